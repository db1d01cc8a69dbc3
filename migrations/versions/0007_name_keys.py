"""names: one comparison key for names unique in an account (campaigns, segments), enforced by unique indexes

name_key(text): NFKC, invisible characters (Default_Ignorable_Code_Point) dropped, letters of other scripts that
look like basic Latin letters or digits mapped to them (Unicode confusables data, as the confusable_homoglyphs
package ships it), lower-cased, white space collapsed. See app/services/names.py for the rule. Live names whose
keys already collide keep the oldest as it is; the others get " (<first 8 of their id>)" added, so the unique
indexes can be built.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 14:00:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Letters of other scripts (Cyrillic, Greek, Cherokee, ...) and the basic Latin letter or digit each looks like:
# generated once from confusable_homoglyphs 3.3.1 (capital I-likes map to "I": keys are lower-cased after).
LOOKALIKES = (
    'ͿΑΒΕΖΗΙΚΜΝΟΡΤΥΧαγινορσυϜϨϳϺЅІЈАВЕЗКМНОРС'
    'ТУХЬабгеорсухѕіјѡѴѵҮүһҽӀӏӠԁԌԛԜԝՍՏՕագզհոռ'
    'սցքօଠഠဝყჿሀዐᎠᎡᎢᎥᎩᎪᎫᎬᎳᎷᎻᎽᏀᏂᏃᏎᏏᏒᏔᏕᏙᏚᏞᏟᏢᏦᏧᏮᏳ'
    'ᏴᐯᑌᑭᑯᑲᒍᒪᒿᕁᕼᕽᖇᖯᖴᗅᗞᗪᗰᗷᚷᛁᛕᛖᴦⲅⲎⲒⲔⲘⲚⲞⲟⲢⲣⲤⲥⲦⲨⲬ'
    'ⳊⳌⳐⳒⴸⴹⵏⵔⵕⵝꓐꓑꓒꓓꓔꓖꓗꓙꓚꓜꓝꓟꓠꓡꓢꓣꓦꓧꓪꓫꓬꓮꓰꓲꓳꓴꙄꙇꛟꭵ'
    'ꮁꮃꮓꮩꮪꮯ𐊂𐊆𐊇𐊊𐊐𐊒𐊕𐊖𐊗𐊠𐊡𐊢𐊥𐊫𐊰𐊱𐊲𐊴𐋏𐌁𐌂𐌉𐌑𐌕𐌗𐌚𐐄𐐕𐐛𐐠𐐬𐐽𐑈𐒴'
    '𐓂𐓎𐓒𐓪𐓶𐔓𐔖𐔘𐔜𐔝𐔥𐔦𐔧𑜆𑜊𑜎𑜏𑢠𑢢𑢣𑢤𑢦𑢩𑢬𑢮𑢯𑢲𑢵𑢸𑢻𑢼𑣀𑣁𑣂𑣃𑣄𑣆𑣈𑣊𑣌'
    '𑣕𑣖𑣗𑣘𑣜𖼈𖼊𖼖𖼨𖼵𖼺𖼻𖽀𖽂𖽃'
)
LATIN = (
    'JABEZHIKMNOPTYXayivopouF2jMSIJABE3KMHOPC'
    'TYXba6reopcyxsijwVvYyheIi3dGqWwUSOwqqhnn'
    'ugfoOooyoUODRTiYAJEWMHYGhZ4bRWSVSLCPKd6G'
    'BVUPdbJL2xHxRbFADDMBXlKMrrHIKMNOoPpCcTYX'
    '93L6VElOQXBPdDTGKJCZFMNLSRVHWXYAElOU2iVi'
    'rwzvscBEFlXOPSTABCFOMTYXHBClMTX8OCLSocsR'
    'OU7ouNOKCVFLXvwwwVFLYEZ9E4LOU5TvsFiz7o39'
    '69ouyVTLlRS3AUY'
)

INVISIBLE = r"[\u00AD\u034F\u061C\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]"

NAME_KEY = f"""
CREATE OR REPLACE FUNCTION name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(
    translate(lower(translate(regexp_replace(normalize(name, NFKC), '{INVISIBLE}', '', 'g'),
                              '{LOOKALIKES}', '{LATIN}')),
              '{LOOKALIKES}', '{LATIN}'),
    '\\s+', ' ', 'g'))
$$"""

# (table, longest name, live rows only)
TABLES = (("campaigns", 200, "deleted_at IS NULL"), ("segments", 120, "TRUE"))


def upgrade():
    assert len(LOOKALIKES) == len(LATIN)
    op.execute(NAME_KEY)
    for table, longest, live in TABLES:
        # Names that already look alike: the oldest keeps its name, the others are told apart by their id.
        op.execute(f"""
            UPDATE {table} t SET name = left(t.name, {longest - 11}) || ' (' || left(t.id::text, 8) || ')'
            FROM (SELECT id, row_number() OVER (PARTITION BY account_id, name_key(name)
                                                ORDER BY created_at, id) AS n
                  FROM {table} WHERE {live}) d
            WHERE t.id = d.id AND d.n > 1""")
    op.execute("CREATE UNIQUE INDEX uq_campaigns_account_name_key ON campaigns (account_id, name_key(name)) "
               "WHERE deleted_at IS NULL")
    op.execute("CREATE UNIQUE INDEX uq_segments_account_name_key ON segments (account_id, name_key(name))")


def downgrade():
    op.execute("DROP INDEX IF EXISTS uq_segments_account_name_key")
    op.execute("DROP INDEX IF EXISTS uq_campaigns_account_name_key")
    op.execute("DROP FUNCTION IF EXISTS name_key(text)")
