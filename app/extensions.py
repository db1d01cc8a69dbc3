"""Extension objects, created unbound and bound to an app in create_app."""
from flask_babel import Babel
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from app.ratelimit import client_key


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
jwt = JWTManager()
limiter = Limiter(key_func=client_key)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
cors = CORS()
