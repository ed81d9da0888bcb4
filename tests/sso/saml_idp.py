"""A real SAML 2.0 identity provider for the single sign-on tests (pysaml2's IdP), standing in
for an agency's ADFS or Entra ID. tests/browser/test_single_sign_on.py starts it in a process of
its own; never part of the app.

    python saml_idp.py PORT CONFIG_JSON

CONFIG_JSON: {"workdir": a folder for its key and certificate, "sp_metadata_url": the
platform's metadata (read at the first sign-in), "people": {"<login>": "<e-mail>"},
"refused": [<login>]}. Its sign-in page asks who signs in; a ticked "tamper" box changes the
e-mail in the signed response after signing, as an attacker would."""

import base64
import datetime
import html
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PORT = int(sys.argv[1])
CONFIG = json.loads(sys.argv[2])
BASE = f"http://127.0.0.1:{PORT}"
WORKDIR = Path(CONFIG["workdir"])
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
AUTHN_METHODS = "http://schemas.microsoft.com/claims/authnmethodsreferences"
MULTIPLE_AUTHN = "http://schemas.microsoft.com/claims/multipleauthn"
PASSWORD = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"


def key_and_certificate() -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Agency identity provider")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    key_file, cert_file = WORKDIR / "idp.key", WORKDIR / "idp.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


KEY, CERT = key_and_certificate()


def idp_config(sp_metadata: str | None) -> IdPConfig:
    settings = {
        "entityid": f"{BASE}/metadata",
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [(f"{BASE}/sso", BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
            "want_authn_requests_signed": False,
        }},
        "key_file": str(KEY), "cert_file": str(CERT),
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"inline": [sp_metadata]} if sp_metadata else {},
    }
    config = IdPConfig()
    config.load(settings)
    return config


SERVER: Server | None = None


def server() -> Server:
    global SERVER
    if SERVER is None:
        with urllib.request.urlopen(CONFIG["sp_metadata_url"], timeout=10) as answer:  # noqa: S310
            SERVER = Server(config=idp_config(answer.read().decode()))
    return SERVER


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def page(self, body: str, status: int = 200) -> None:
        content = (f"<!doctype html><html lang='en'><head><title>Agency sign-in</title></head>"
                   f"<body><main>{body}</main></body></html>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def form(self, request: str, relay_state: str, error: str = "") -> str:
        alert = f"<p role='alert'>{html.escape(error)}</p>" if error else ""
        return (f"<h1>Agency sign-in</h1>{alert}<form method='post' action='/sso'>"
                f"<input type='hidden' name='SAMLRequest' value='{html.escape(request)}'>"
                f"<input type='hidden' name='RelayState' value='{html.escape(relay_state)}'>"
                "<label for='login'>Agency account</label><input id='login' name='login'>"
                "<label><input type='checkbox' name='mfa' value='1'> I confirmed with my "
                "second factor</label>"
                "<label><input type='checkbox' name='tamper' value='1'> Tamper with the "
                "response</label><button type='submit'>Sign in at the agency</button></form>")

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/metadata":
            content = create_metadata_string(None, config=idp_config(None))
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.end_headers()
            self.wfile.write(content)
        elif url.path == "/sso":
            query = parse_qs(url.query)
            self.page(self.form(query["SAMLRequest"][0], query.get("RelayState", [""])[0]))
        else:
            self.page("Not found", 404)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        login = fields.get("login", "")
        if login not in CONFIG["people"] or login in CONFIG.get("refused", []):
            self.page(self.form(fields["SAMLRequest"], fields.get("RelayState", ""),
                                "This agency account cannot sign in."))
            return
        idp = server()
        request = idp.parse_authn_request(fields["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        email = CONFIG["people"][login]
        response = idp.create_authn_response(
            # As ADFS and Entra ID say how the person signed in: with a second factor or not.
            identity={AUTHN_METHODS: [MULTIPLE_AUTHN if fields.get("mfa") else PASSWORD]},
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": PASSWORD_PROTECTED},
            sign_response=True, sign_assertion=True,
            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        xml = str(response)
        if fields.get("tamper"):
            xml = xml.replace(email, "admin@cepol.test")
        encoded = base64.b64encode(xml.encode()).decode()
        acs = html.escape(request.assertion_consumer_service_url)
        relay_state = html.escape(fields.get("RelayState", ""))
        self.page(f"<h1>Returning to the platform</h1><form method='post' action='{acs}'>"
                  f"<input type='hidden' name='SAMLResponse' value='{encoded}'>"
                  f"<input type='hidden' name='RelayState' value='{relay_state}'>"
                  "<button type='submit'>Continue to the platform</button></form>")


if __name__ == "__main__":
    httpd = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print("ready", flush=True)
    httpd.serve_forever()
