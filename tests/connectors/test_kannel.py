"""The Kannel adapter: the sendsms request, UCS-2 when GSM-7 cannot carry the text, signed DLR URLs."""

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors import kannel
from connectors.base import ErrorKind
from connectors.kannel import KannelConnector
from connectors.sms import OutgoingSms, SmsError

SENDSMS = "http://127.0.0.1:13013/cgi-bin/sendsms"
DLR = "https://clinic.example/webhooks/kannel/dlr"


def connector() -> KannelConnector:
    return KannelConnector(
        SENDSMS, "carepost", "pw", sender="CLINICA", dlr_url=DLR, secret="s3cret"
    )


@responses.activate
def test_sendsms_carries_the_text_in_utf8_with_a_signed_delivery_report_url():
    responses.get(SENDSMS, body="0: Accepted for delivery", status=202)
    sent = connector().send(
        OutgoingSms(to="+34600111222", body="Cita mañana a las 10:00", reference="42")
    )
    assert sent.remote_id == "kannel-42" and sent.status == "queued"
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["to"] == ["+34600111222"] and query["text"] == ["Cita mañana a las 10:00"]
    assert (
        query["charset"] == ["UTF-8"] and query["coding"] == ["0"] and query["from"] == ["CLINICA"]
    )
    assert query["dlr-mask"] == ["31"]
    dlr = query["dlr-url"][0]
    assert dlr.startswith(DLR + "?") and dlr.endswith("&type=%d")
    signed = parse_qs(urlsplit(dlr).query)
    assert signed["ref"] == ["42"] and kannel.verify("s3cret", "42", signed["sig"][0])


@responses.activate
def test_a_text_gsm7_cannot_carry_goes_as_ucs2():
    responses.get(SENDSMS, body="0: Accepted for delivery", status=202)
    connector().send(OutgoingSms(to="+34600111222", body="Análisis listos", reference="1"))
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["coding"] == ["2"]


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (403, "Authorization failed for sendsms", ErrorKind.final),
        (503, "Sorry, not ready", ErrorKind.retryable),
        (400, "Missing receiver number", ErrorKind.final),
    ],
)
@responses.activate
def test_kannel_refusals_are_classified(status, body, kind):
    responses.get(SENDSMS, body=body, status=status)
    with pytest.raises(SmsError) as caught:
        connector().send(OutgoingSms(to="+34600111222", body="x", reference="1"))
    assert caught.value.kind == kind


def test_kannel_keeps_no_record_to_look_up():
    assert connector().find_sent(OutgoingSms(to="+34600111222", body="x"), None) is None


def test_signatures_are_checked_in_constant_time_and_need_a_secret():
    signature = kannel.sign("s3cret", "7")
    assert kannel.verify("s3cret", "7", signature)
    assert not kannel.verify("s3cret", "8", signature)
    assert not kannel.verify(None, "7", signature) and not kannel.verify("", "7", signature)
    assert (
        kannel.dlr_status("1") == "delivered"
        and kannel.dlr_status("16") == "failed"
        and kannel.dlr_status("x") is None
    )
