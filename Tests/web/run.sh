#!/usr/bin/env bash
# The privacy centre in a real browser: `custos serve` with its public listener on free
# loopback ports over a fresh vault, an SMTP sink as the relay, then the Selenium tests
# (Tests/web/test_privacy_centre.py) on Debian's headless chromium and chromium-driver, with
# axe-core on every page. SCREENSHOTS names the folder the screenshots go to (default a
# temporary one; `make screenshots` writes docs/screenshots).
. "$(dirname "$0")/common.sh"
trap '[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; [ -n "${SINK:-}" ] && kill "$SINK" 2>/dev/null; rm -rf "$VAULT"' EXIT
cd "$VAULT"
# The same tests over a vault on PostgreSQL (make postgres-check sets CUSTOS_SERVER_POSTGRES to
# its throwaway cluster's admin address): a fresh database for the vault, the keyring in a file.
if [ -n "${CUSTOS_SERVER_POSTGRES:-}" ]; then
  database=custos_web_$$
  PGPASSWORD=$(cat "$CUSTOS_PG_PASSWORD_FILE") psql -q "$CUSTOS_SERVER_POSTGRES" -c "CREATE DATABASE $database"
  export CUSTOS_DB=${CUSTOS_SERVER_POSTGRES%/*}/$database CUSTOS_KEYRING=$VAULT/custos.keys.db
fi
"$CUSTOS" init --policies "$REPO/policies/invorderingsbedrijf" >/dev/null
"$CUSTOS" subject add --id D-1 --category debtor --set email=debtor@example.nl --set case_number=INV-2025-0042 \
  --set "postal_address=Kerkstraat 1, 1234 AB Utrecht" --set "person_name=Jan de Vries" --set "claim_details=Invoice 7: EUR 120" >/dev/null
"$CUSTOS" event record --subject D-1 --name file-opened --effective 2025-01-10 >/dev/null
"$CUSTOS" subject add --id D-2 --category debtor --set email=erased@example.nl --set case_number=INV-2025-0077 \
  --set "postal_address=Dorpsweg 5, 5678 CD Ede" >/dev/null
"$CUSTOS" event record --subject D-2 --name file-opened --effective 2025-01-10 >/dev/null
"$CUSTOS" subject add --id PR-1 --category prospect --set email=subscriber@example.nl >/dev/null
"$CUSTOS" consent give --subject PR-1 --purpose P-NEWSLETTER-EMAIL --method checkbox-ticked --channel web-form --age 41 >/dev/null
export NEWSLETTER_TOKEN=$("$CUSTOS" service add --actor newsletter --name mailer -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# The relay as a submission server is (the PostgreSQL run keeps a plain one): STARTTLS with a
# certificate the server is told to trust, and an account whose password is in a file.
export MAIL_SINK=$VAULT/mail.txt
openssl req -x509 -newkey rsa:2048 -nodes -keyout relay.key -out relay.pem -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
echo "relay password" > relay.password
python3 "$REPO/Tests/web/smtp_sink.py" "$MAIL_SINK" --starttls relay.pem relay.key --user custos --password "relay password" > sink.port &
SINK=$!
for _ in $(seq 1 50); do [ -s sink.port ] && break; sleep 0.1; done
CUSTOS_CODES_PER_ADDRESS=100 "$CUSTOS" serve --listen 127.0.0.1:0 --listen-public 127.0.0.1:0 --smtp-relay "127.0.0.1:$(cat sink.port)" \
  --smtp-tls starttls --smtp-ca-file relay.pem --smtp-user custos --smtp-password-file relay.password \
  --mail-from privacy@invorderingsbedrijf.nl 2> serve.log &
SERVER=$!
wait_for_listeners web
export API_URL=$API CENTRE_URL=$CENTRE SERVE_LOG=$VAULT/serve.log
"${PYTHON:-python3}" "$REPO/Tests/web/test_privacy_centre.py"
