"""Extension objects, created unbound and bound to an app in create_app.

The flask-smorest Api is the exception: it holds the OpenAPI spec of one app, so create_app builds one per app.
"""
from flask_babel import Babel
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from app.limiter import RateLimiter
from app.ratelimit import client_key, default_limit


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
limiter = RateLimiter(key_func=client_key, default_limits=[default_limit])
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
cors = CORS()
