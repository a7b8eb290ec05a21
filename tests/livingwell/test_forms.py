"""The project's own form fields."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from livingwell.forms import (
    FixedChoiceField,
    FixedMultipleChoiceField,
    GdsFormMixin,
    ModelMultipleChoiceField,
)
from livingwell.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sent", ["99999999999999999999", "-99999999999999999999", "²", "abc"])
def test_a_choice_no_row_can_have_is_an_invalid_choice_not_an_error(sent):
    field = ModelMultipleChoiceField(queryset=User.objects.all())
    with pytest.raises(ValidationError) as refused:
        field.clean([sent])
    assert refused.value.code in {"invalid_choice", "invalid_pk_value"}


class _Form(GdsFormMixin, forms.Form):
    submit_label = "Send"
    name = forms.CharField()
    note = forms.CharField(required=False)

    def __init__(self, *args, layout=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(*layout)


def _laid_out(form):
    return [getattr(item, "fields", [item])[0] for item in form.helper.layout.fields]


def test_a_form_sent_valid_makes_no_helper():
    form = _Form({"name": "Ada"})
    assert form.is_valid()
    assert "helper" not in form.__dict__


def test_a_layout_given_as_a_function_is_worked_out_only_when_the_form_is_drawn():
    asked = []

    def layout():
        asked.append(1)
        return ["note", "name"]

    sent = _Form({"name": "Ada"})
    sent.init_helper(layout=layout)
    assert sent.is_valid() and asked == []
    drawn = _Form()
    drawn.init_helper(layout=layout)
    assert _laid_out(drawn)[:2] == ["note", "name"] and asked == [1]
    assert _laid_out(drawn)[:2] == ["note", "name"] and asked == [1]  # the helper is kept


def test_the_helper_lays_out_the_named_fields_or_all_and_the_button():
    assert _laid_out(_Form(layout=("note",)))[0] == "note"
    laid = _laid_out(_Form())
    assert laid[:2] == ["name", "note"]
    assert "Send" in str(_Form().helper.layout.fields[-1].value)
    assert _Form().helper.form_tag is False


def test_the_helper_follows_the_fields_and_a_second_init_helper():
    form = _Form()
    del form.fields["note"]
    assert _laid_out(form)[:1] == ["name"] and "note" not in _laid_out(form)
    form.init_helper("name")
    assert _laid_out(form)[0] == "name" and len(form.helper.layout.fields) == 2


def test_without_init_helper_there_is_no_helper_and_one_can_be_set():
    class Plain(GdsFormMixin, forms.Form):
        name = forms.CharField()

    form = Plain()
    assert getattr(form, "helper", None) is None
    form.helper = "given"
    assert form.helper == "given"


_AB = [("a", "A"), ("b", "B")]


class _Fixed(forms.Form):
    kind = FixedChoiceField(choices=_AB)
    kinds = FixedMultipleChoiceField(choices=_AB, required=False)


def test_fixed_choices_are_shared_by_every_form_not_copied_for_each():
    one, two = _Fixed(), _Fixed()
    for name in ("kind", "kinds"):
        assert one.fields[name] is not two.fields[name]
        assert one.fields[name].widget is not two.fields[name].widget
        assert one.fields[name].choices is _Fixed.base_fields[name].choices
        assert two.fields[name].choices is _Fixed.base_fields[name].choices


def test_fixed_choices_widgets_share_the_choices_and_keep_attributes_of_their_own():
    one, two = _Fixed(), _Fixed()
    for name in ("kind", "kinds"):
        declared = _Fixed.base_fields[name].widget
        mine, theirs = one.fields[name].widget, two.fields[name].widget
        assert mine is not declared and mine is not theirs
        assert mine.choices is declared.choices and theirs.choices is declared.choices
        mine.attrs["class"] = "mine"
        assert "class" not in theirs.attrs and "class" not in declared.attrs
        assert one.fields[name].widget is mine  # a field's widget is the one its copy made
    html = str(one["kind"])
    assert 'value="a"' in html and 'value="b"' in html


def test_a_widget_with_a_copy_of_its_own_is_copied_its_own_way():
    class Counting(forms.RadioSelect):
        copies = 0

        def __deepcopy__(self, memo):
            type(self).copies += 1
            return super().__deepcopy__(memo)

    class WithOwnWidget(forms.Form):
        kind = FixedChoiceField(choices=_AB, widget=Counting)

    WithOwnWidget()
    assert Counting.copies == 1


def test_a_form_given_other_choices_keeps_them_to_itself():
    one = _Fixed({"kind": "c", "kinds": ["c"]})
    one.fields["kind"].choices = [("c", "C")]
    one.fields["kinds"].choices = [("c", "C")]
    assert one.is_valid(), one.errors
    two = _Fixed({"kind": "c", "kinds": ["c"]})
    assert not two.is_valid()
    assert set(two.errors) == {"kind", "kinds"}
    assert _Fixed.base_fields["kind"].choices == _AB
    assert _Fixed().fields["kinds"].widget.choices == _AB
