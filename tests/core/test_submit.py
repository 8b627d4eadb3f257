"""`core.views.submit`, the one POST handler: the success message it shows (or,
when the page confirms in its own way and passes "", does not)."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from jiayuan.core.views import submit


class NameForm(forms.Form):
    name = forms.CharField()


def _post(data: dict[str, str]) -> HttpRequest:
    request = RequestFactory().post("/", data)
    request._messages = CookieStorage(request)
    return request


def _to_done(_result: object) -> HttpResponse:
    return HttpResponseRedirect("/done/")


def _texts(request: HttpRequest) -> list[str]:
    return [str(m) for m in get_messages(request)]


def test_it_shows_the_success_message_and_redirects():
    request = _post({"name": "Li"})
    response = submit(request, NameForm(request.POST), lambda data: data["name"],
                      lambda name: f"Saved {name}.", _to_done)
    assert response is not None and response["Location"] == "/done/"
    assert _texts(request) == ["Saved Li."]


def test_an_empty_success_text_shows_no_message():
    for success in ("", lambda _name: ""):
        request = _post({"name": "Li"})
        response = submit(request, NameForm(request.POST), lambda data: data["name"],
                          success, _to_done)
        assert response is not None and response["Location"] == "/done/"
        assert _texts(request) == []


def test_an_empty_success_text_does_not_touch_the_message_store():
    # Django's store drops an empty message anyway; not calling it at all means
    # a page that confirms in its own way does not need one (no MessageFailure).
    request = RequestFactory().post("/", {"name": "Li"})
    response = submit(request, NameForm(request.POST), lambda data: data["name"], "",
                      _to_done)
    assert response is not None and response["Location"] == "/done/"


def test_a_service_error_goes_on_the_form_without_a_message():
    request = _post({"name": "Li"})
    form = NameForm(request.POST)

    def refuse(_data: dict[str, str]) -> str:
        raise ValidationError({"name": "Taken."})

    assert submit(request, form, refuse, "Saved.", _to_done) is None
    assert form.errors["name"] == ["Taken."]
    assert _texts(request) == []
