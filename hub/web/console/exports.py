"""A subject access report as CSV and as PDF: one row (or block) per recorded request about the person.

The report is what ``subjectAccessReport`` answered, nothing more: who, when, why, and which of the
person's fields were disclosed, masked, withheld or consulted. PDF text is Latin-1 (the core fonts'), so
any other character is replaced rather than dropped silently.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from audit.sanitise import csv_safe

COLUMNS = ["seq", "occurredAt", "actorId", "agency", "roles", "purpose", "justification", "legalBases", "clauses",
           "outcome", "disclosed", "masked", "withheld", "consulted", "traceId"]


def flat(entry: Mapping[str, Any]) -> dict[str, str]:
    """One disclosure's cells: lists joined by "; ", masked and withheld fields with their clause or reason."""
    return {
        "seq": str(entry["seq"]), "occurredAt": str(entry["occurredAt"]), "actorId": str(entry["actorId"]),
        "agency": str(entry["agency"]), "roles": "; ".join(entry["roles"]), "purpose": str(entry["purpose"]),
        "justification": str(entry["justification"]), "legalBases": "; ".join(entry["legalBases"]),
        "clauses": "; ".join(entry["clauses"]), "outcome": str(entry["outcome"]),
        "disclosed": "; ".join(entry["disclosed"]),
        "masked": "; ".join(f"{m['field']} ({m['clause']})" for m in entry["masked"]),
        "withheld": "; ".join(f"{w['field']} ({w['reason']})" for w in entry["withheld"]),
        "consulted": "; ".join(entry["consulted"]), "traceId": str(entry["traceId"]),
    }


def sar_csv(disclosures: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in disclosures:
        writer.writerow({k: csv_safe(v) for k, v in flat(entry).items()})
    return out.getvalue()


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def sar_pdf(person_id: str, disclosures: Sequence[Mapping[str, Any]], produced_at: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Subject access report {person_id}")
    pdf.set_author("The partnership hub")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin1(f"Subject access report: {person_id}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, _latin1(f"Produced {produced_at} from the hub's audit trail. {len(disclosures)} recorded "
                                 "request(s) concerning this person: who, when, why, and which of their fields "
                                 "were disclosed, masked, withheld or consulted."),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for entry in disclosures:
        row = flat(entry)
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _latin1(f"Record {row['seq']}  {row['occurredAt']}  {row['outcome']}"),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 9)
        for label, key in (("Who", "actorId"), ("Agency", "agency"), ("Roles", "roles"), ("Purpose", "purpose"),
                           ("Justification", "justification"), ("Legal bases", "legalBases"),
                           ("Clauses", "clauses"), ("Disclosed", "disclosed"), ("Masked", "masked"),
                           ("Withheld", "withheld"), ("Consulted", "consulted"), ("Trace", "traceId")):
            pdf.multi_cell(0, 5, _latin1(f"{label}: {row[key] or '-'}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
