"""What a newsletter service does with Custos: read an address only when the law allows it.

    python3 examples/python/example.py http://127.0.0.1:8700 "$TOKEN" PR-1

The token is a newsletter service account's (`custos service add --actor newsletter`); PR-1 a
prospect who consented to the e-mail newsletter. The script reads, hands the address to the
mailing processor (a share, recorded as a disclosure), withdraws the consent on the subject's
behalf and reads again: the second read is denied with CONSENT_WITHDRAWN.
"""
import sys

from custos_client import CustosClient, CustosError


def main(base_url, token, subject):
    client = CustosClient(base_url, token)
    answer = client.read(subject, "P-NEWSLETTER-EMAIL", ["email"])
    if answer.permitted:
        print(f"read #{answer.seq}: may send the newsletter to {subject}")
    else:
        print(f"read #{answer.seq}: denied, {', '.join(answer.codes)}")
    shared = client.share(subject, "P-NEWSLETTER-EMAIL", ["email"], recipient="R-CRM")
    print(f"share #{shared.seq} with R-CRM: {'released ' + ', '.join(sorted(shared.values)) if shared.permitted else 'denied, ' + ', '.join(shared.codes)}")
    client.withdraw_consent(subject, ["P-NEWSLETTER-EMAIL"], channel="web-form")
    answer = client.read(subject, "P-NEWSLETTER-EMAIL", ["email"])
    print(f"after the withdrawal, read #{answer.seq}: {'permitted' if answer.permitted else 'denied, ' + ', '.join(answer.codes)}")
    try:
        client.read(subject, "P-NEWSLETTER-EMAIL", [])
    except CustosError as error:
        print(f"a malformed call is an error, not a decision: {error.status} {error.problem['detail']}")
    return 0 if not answer.permitted else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
