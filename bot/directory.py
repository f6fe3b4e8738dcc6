"""Hotline cards and the "find help" directory: only verified entries ever reach users."""

from __future__ import annotations

from bot.content.checks import dialable
from bot.content.loader import Content
from bot.content.models import Contact, CountryHotlines, Service
from bot.events import Ask, Button, Event
from bot.menu import human_button, menu_button


def country_picker(content: Content, lang: str, prefix: str, text_key: str) -> Ask:
    """Countries as buttons; `prefix` decides whether hotlines or services open next."""
    buttons = tuple(
        Button(c.name.get(lang) or c.code, f"{prefix}:{c.code}")
        for c in content.hotlines.countries
    )
    return Ask(content.text(text_key, lang), (*buttons, menu_button(content, lang)))


def hotline_card(content: Content, country_code: str, lang: str) -> list[Event]:
    """Verified numbers for one country, or a kind pointer to a person when there are none."""
    country = _country(content, country_code)
    if country is None:
        return [country_picker(content, lang, "v1:hl", "hotlines_pick_country")]
    lines = [content.text("hotlines_title", lang, country=country.name.get(lang) or country.code)]
    verified = [h for h in country.hotlines if h.verified]
    lines += [contact_line(content, h, country.code, lang) for h in verified]
    if not verified:
        lines.append(content.text("hotlines_none_verified", lang))
    buttons = (human_button(content, lang), menu_button(content, lang))
    return [Ask("\n".join(lines), buttons)]


def contact_line(content: Content, contact: Contact, country_code: str, lang: str) -> str:
    name = contact.name.get(lang) or contact.id
    phone = dialable(contact.phone, country_code) if contact.phone else ""
    details = [contact.hours or "", content.text("hotline_free", lang) if contact.free else ""]
    shown = " · ".join(d for d in details if d)
    return f"• {name}" + (f": {phone}" if phone else "") + (f" ({shown})" if shown else "")


def _country(content: Content, code: str) -> CountryHotlines | None:
    return next((c for c in content.hotlines.countries if c.code == code), None)


def operator_directory(content: Content, country_code: str, lang: str) -> str:
    """Everything known for one country, for operators: unconfirmed entries shown as leads."""
    code = country_code.strip().upper()
    country = _country(content, code)
    services = [s for s in content.services.services if s.country == code]
    if country is None and not services:
        codes = sorted({c.code for c in content.hotlines.countries})
        return content.text("op_directory_usage", lang, codes=", ".join(codes))
    name = country.name.get(lang) if country else None
    lines = [content.text("op_directory_title", lang, country=name or code)]
    if country is not None and country.hotlines:
        lines.append(content.text("op_directory_hotlines", lang))
        lines += [_listed(content, hotline, code, lang) for hotline in country.hotlines]
    if services:
        lines.append(content.text("op_directory_services", lang))
        lines += [_listed(content, service, code, lang) for service in services]
    if not all(c.verified for c in [*services, *(country.hotlines if country else [])]):
        lines.append(content.text("op_directory_leads_note", lang))
    return "\n".join(lines)


def _listed(content: Content, contact: Contact, country_code: str, lang: str) -> str:
    line = contact_line(content, contact, country_code, lang)
    url = getattr(contact, "url", None)
    line += f" {url}" if url else ""
    return line if contact.verified else f"{line} {content.text('op_directory_lead', lang)}"


def region_picker(content: Content, country_code: str, lang: str) -> Ask:
    regions = [r for r in content.services.regions if r.country == country_code]
    buttons = tuple(
        Button(r.name.get(lang) or r.id, f"v1:s:{country_code}:{r.id}") for r in regions
    )
    return Ask(content.text("services_pick_region", lang), (*buttons, menu_button(content, lang)))


def kind_picker(content: Content, country_code: str, region_id: str, lang: str) -> Ask:
    kinds = sorted({k for s in _services(content, country_code, region_id) for k in s.kinds})
    buttons = tuple(
        Button(content.text(f"service_kind_{k}", lang), f"v1:s:{country_code}:{region_id}:{k}")
        for k in kinds
    )
    return Ask(
        content.text("services_pick_kind", lang),
        (*buttons, human_button(content, lang), menu_button(content, lang)),
    )


def service_list(
    content: Content, country_code: str, region_id: str, kind: str, lang: str
) -> list[Event]:
    """Verified services of one kind in a region (national ones included)."""
    found = [s for s in _services(content, country_code, region_id) if kind in s.kinds]
    lines = [content.text("services_title", lang)]
    for service in found:
        lines.append(contact_line(content, service, country_code, lang))
        lines.append(f"  {service.description.get(lang, '')}")
    if not found:
        lines.append(content.text("services_none_verified", lang))
    return [Ask("\n".join(lines), (human_button(content, lang), menu_button(content, lang)))]


def _services(content: Content, country_code: str, region_id: str) -> list[Service]:
    national = f"{country_code.lower()}-all"
    return [
        s
        for s in content.services.services
        if s.verified and s.country == country_code and s.region in (region_id, national)
    ]
