"""The risk detector: the pattern engine's rules, and the lexicon on messages of every kind."""

from __future__ import annotations

import pytest

from bot.content.loader import Content
from bot.content.models import RiskCategory, RiskFile
from bot.risk.detector import RiskDetector
from bot.risk.model import load_model
from bot.risk.patterns import expand, one_typo


def detector_for(patterns: list[str], unless: tuple[str, ...] = ()) -> RiskDetector:
    """A one-category detector over a tiny lexicon, to pin down one engine rule at a time."""
    risk = RiskFile(
        version=1,
        negations=["не", "not"],
        words={
            "document": {"ru": ["паспорт"], "en": ["passport"], "uz": ["pasport", "hujjat"]},
            "take": {"ru": ["забрали"], "en": ["took"], "uz": ["olib qo'yishdi"]},
        },
        human_request={"en": ["operator please"]},
        categories=[
            RiskCategory(
                id="test",
                label={"en": "Test"},
                patterns={"any": patterns},
                unless={"any": list(unless)},
            )
        ],
    )
    return RiskDetector.from_content(risk)


# --- engine ----------------------------------------------------------------------------------


def test_one_typo_means_one_edit_keeping_first_and_last_letters() -> None:
    assert one_typo("paspart", "pasport")  # a changed letter
    assert one_typo("pasprt", "pasport")  # a dropped letter
    assert one_typo("pasoprt", "pasport")  # two letters swapped
    assert not one_typo("alaik", "ailik")  # two edits that only share a deletion key
    assert not one_typo("zabrat", "zabral")  # another word form, not a typo
    assert not one_typo("basport", "pasport")  # the first letter is kept


def test_typo_tolerance_starts_at_seven_letters() -> None:
    detector = detector_for(["zabrali + pasport"])
    assert detector.detect("zabrali pasport").is_risk
    assert detector.detect("zabrali paspart").is_risk  # 7 letters: one typo allowed
    assert not detector.detect("zabrat pasport").is_risk  # a different word form


def test_guards_match_without_typos() -> None:
    detector = detector_for(["passport + brought"], unless=("bought",))
    assert detector.detect("they brought us here and kept my passport").is_risk
    assert not detector.detect("i bought a new passport cover, brought it home").is_risk


def test_negation_cancels_the_next_word_only_within_its_clause() -> None:
    detector = detector_for(["паспорт + забрали"])
    assert not detector.detect("паспорт не забрали").is_risk
    assert detector.detect("паспорт не, забрали всё равно").is_risk
    assert detector.detect("не знаю что делать. забрали паспорт").is_risk


def test_a_word_list_serves_every_language_and_mixed_messages() -> None:
    detector = detector_for(["@document + @take"])
    assert detector.detect("they took my passport").is_risk
    assert detector.detect("pasportimni olib qo'yishdi").is_risk
    assert detector.detect("brigadir hujjat забрали").is_risk  # Uzbek noun, Russian verb
    assert not detector.detect("they took a photo").is_risk


def test_a_word_list_inside_a_phrase_pairs_the_phrase_with_each_alternative() -> None:
    places = {"place": ["корею", "турцию"]}
    assert expand("за @place + привезли", places) == "за корею|за турцию + привезли"
    assert expand("за @nowhere|вместо + привезли", places) == "вместо + привезли"
    detector = detector_for(["my @document + @take"])
    assert detector.detect("they took my passport").is_risk
    assert not detector.detect("my bag is here, they took the passport photo").is_risk


def test_human_request_has_its_own_guards(content: Content) -> None:
    detector = RiskDetector.from_content(content.risk)
    assert detector.detect("хочу поговорить с оператором").human_request
    assert not detector.detect("какой мобильный оператор дешевле для звонков домой").needs_human
    assert not detector.detect("оператор банка не отвечает, карта заблокирована").needs_human
    assert not detector.detect("ба фермаи Британия бо оператор чи тавр равам").needs_human
    assert not detector.detect("which scheme operator is best for uk farm work").needs_human


# --- lexicon: each category, in several languages, and the everyday look-alikes --------------

DANGER = {
    "document_retention": [
        "наши паспорта лежат у директора в сейфе, просим — не отдаёт",
        "kozhoyun pasporttorubuzdu jyinap aldy",
        "brigadir hamma hujjatlarimizni yig'ib oldi",
        "корфармо шиносномаҳоро ҷамъ карда гирифт",
        "the agency took our passports at the airport",
        "паспорта забрали якобы для регистрации и до сих пор не вернули",
        # A bare first message, with nothing around it for the model to go on.
        "my employer took my passport",
        "работодатель забрал паспорт",
        "кожоюн паспортумду бербей жатат",
    ],
    "confinement": [
        "вечером охранник закрывает ворота, выходить запрещено",
        "бизди үйдөн чыгарышпайт",
        "ketishimizga ruxsat berishmayapti",
        "моро берун баромадан намемонанд",
        "we are not allowed to leave the house, the door is always locked",
        "нас возят на работу и обратно с охранником",
        "түнкүсүн эшикти сырттан кулпулап коюшат",
    ],
    "violence": [
        "прораб опять избил парня из нашей бригады",
        "кожоюн бизди сабап жатат",
        "boshliq bizni uradi",
        "соҳибкор моро мезанад",
        "the foreman slapped me and said he will kill me",
    ],
    "sexual_exploitation": [
        "хозяин заставляет работать в сауне с клиентами",
        "кардарлар менен жатууга мажбурлашат",
        "xo'jayin tunda xonamga kiradi",
        "маро маҷбур мекунанд бо мардон хоб кунам",
        "they make us go to rooms with customers",
        "велят сидеть с клиентами, а потом идти в номер",
    ],
    "debt_bondage": [
        "агент говорит я ему должен за визу, и долг только растёт",
        "карызды төлөмөйүнчө кетпейсиң дешет",
        "qarzni uzmaguncha ketolmaysan deyishdi",
        "то қарзро пардохт накунӣ намегузоранд",
        "they say i owe them for the flight and i must work it off",
    ],
    "wage_withholding_coercion": [
        "полгода без зарплаты, а уйти не дают",
        "4 ай болду айлык бербейт, иштей бересиң дейт",
        "ketaman desam hech narsa olmaysan deydi",
        "се моҳ маош намедиҳанд, агар равед пул намегиред мегӯянд",
        "no pay for three months and the boss threatens us",
        "айлык сурасак ментке айтам дейт",
    ],
    "deception": [
        "звали на завод, а привезли в поле, работа совсем другая",
        "мени алдап алып келишти",
        "zavod deb olib kelishdi, umuman boshqa ish",
        "маро фиреб доданд, кори ваъдашуда нест",
        "the agent promised a hotel job but sent us to a farm",
        "взяли деньги за Корею, а привезли в Казахстан на кирпичный завод",
    ],
    "minor": [
        "мне 15 лет, меня привезли работать на склад",
        "иним 14 жашта, аны базарда иштетип жатышат",
        "singlim 16 yoshda, uni Turkiyaga olib ketishdi",
        "ман 16 солаам, маро барои кор оварданд",
        "my cousin is 15 and they make her work at night",
        "у нас работает пацан лет 14, таскает кирпичи весь день",
    ],
    "immediate_danger": [
        "помогите срочно, нас куда-то везут",
        "жардам бергиле тез",
        "meni qutqaring",
        "ёрӣ диҳед, ман метарсам",
        "help me now, they are coming for me",
    ],
    "third_party": [
        "подругу держат в квартире и не выпускают",
        "эжемди кожоюну уруп жатат",
        "akamni ishxonada qamab qo'yishgan",
        "хоҳарамро дар хона қулф мекунанд",
        "my brother is locked in a container near the factory",
    ],
}

EVERYDAY = [
    "как продлить паспорт в консульстве",
    "потерял паспорт в автобусе, что делать",
    "работодатель просит копию паспорта для договора",
    "захлопнул дверь, ключи остались внутри",
    "хочу взять кредит в банке",
    "должен другу за билет, как перевести ему деньги",
    "наши вчера побили их в футболе",
    "сыну 14, как записать его в школу",
    "что такое торговля людьми",
    "дайте номер горячей линии на всякий случай",
    "паспортумду жоготуп алдым",
    "ачкычты бөлмөдө калтырып койдум",
    "pasport nusxasini berish kerakmi",
    "bankdan kredit olsam bo'ladimi",
    "odam savdosi nima",
    "шиносномаамро гум кардам",
    "дар футбол моро заданд хаха",
    "i locked myself out of my room",
    "how do i renew my passport abroad",
    "my boss keeps copies of our passports, originals are with us",
    "we lost the game, they beat us 4-0 lol",
    "you killed it at the interview",
    "which mobile operator is cheapest for calls home",
    "сын 15 лет хочет летом поработать на стройке, можно ли?",
    "ходили в квест, нас закрыли в комнате на час",
    "в новостях показали, как в Турции девушек освободили из рабства",
    "urgent help please, today is the last day to pay the patent and the app fails",
]

HUMAN = [
    "ботко эмес адамга жазгым келет",
    "ба бот не, ба одам навиштан мехохам",
    "не бот, дайте человека",
    "bot emas, odam bilan gaplashmoqchiman",
    "can i talk to a real person",
]


@pytest.fixture(scope="module", params=["rules", "rules+model"])
def detector(content: Content, request: pytest.FixtureRequest) -> RiskDetector:
    """The editors' rules alone, and as the bot runs them: together with the danger model."""
    model = load_model() if request.param == "rules+model" else None
    return RiskDetector.from_content(content.risk, model)


@pytest.mark.parametrize(
    ("category", "text"), [(c, t) for c, texts in DANGER.items() for t in texts]
)
def test_danger_is_seen(detector: RiskDetector, category: str, text: str) -> None:
    verdict = detector.detect(text)
    assert verdict.is_risk, text
    assert category in verdict.categories, verdict.categories


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_questions_raise_no_alarm(content: Content, text: str) -> None:
    """The lexicon's guards; the model's own false alarms are measured on whole sets (eval)."""
    verdict = RiskDetector.from_content(content.risk).detect(text)
    assert not verdict.needs_human, [(m.category, m.phrase) for m in verdict.matches]


@pytest.mark.parametrize("text", HUMAN)
def test_wish_for_a_person_is_seen(detector: RiskDetector, text: str) -> None:
    assert detector.detect(text).human_request


def test_a_match_quotes_the_users_own_words(detector: RiskDetector) -> None:
    verdict = detector.detect("Бригадир ЗАБРАЛ паспорт!!!")
    assert verdict.matches[0].category == "document_retention"
    assert verdict.matches[0].phrase == "забрал паспорт"


SMALL_TALK = [
    "приветствую",
    "спасибо вам",
    "hi there",
    "ok thanks bro",
    "salom aka",
    "рахмат сизге",
    "ташаккури зиёд",
    "12",
    "+7 925 000 00 00",
]


@pytest.mark.parametrize("text", SMALL_TALK)
def test_greetings_thanks_and_numbers_are_not_handed_over(
    detector: RiskDetector, text: str
) -> None:
    """The first thing many people type; the model reads too little in it to decide alone."""
    verdict = detector.detect(text)
    assert not verdict.needs_human, (text, verdict.probability)


@pytest.mark.parametrize("text", ["да", "нет", "работа", "ok", "ha", "patent"])
def test_a_stray_word_is_not_met_with_are_you_safe(detector: RiskDetector, text: str) -> None:
    """A bare "да" typed out of turn says too little to ask a person whether they are safe."""
    assert not detector.detect(text).safety_check, text
