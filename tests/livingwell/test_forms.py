"""The project's own form fields."""

import pytest
from django.core.exceptions import ValidationError

from livingwell.forms import ModelMultipleChoiceField
from livingwell.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sent", ["99999999999999999999", "-99999999999999999999", "²", "abc"])
def test_a_choice_no_row_can_have_is_an_invalid_choice_not_an_error(sent):
    field = ModelMultipleChoiceField(queryset=User.objects.all())
    with pytest.raises(ValidationError) as refused:
        field.clean([sent])
    assert refused.value.code in {"invalid_choice", "invalid_pk_value"}
