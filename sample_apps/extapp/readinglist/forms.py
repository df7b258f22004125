from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class BookForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    author = StringField("Author", validators=[DataRequired(), Length(max=120)])
    year = IntegerField("Year", validators=[Optional(), NumberRange(min=1450, max=2100)])
    read = BooleanField("Already read")


class DeleteForm(FlaskForm):
    pass
