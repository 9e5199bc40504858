"""Everything druppel says in its own words, in one catalogue (Dutch, the default language).

Course content lives in the course files; this holds the bot's side of the conversation. Keep
sentences short, warm and direct: they are read on a phone.
"""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_date


def hhmm(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def when(at_local: datetime, today: date) -> str:
    """'vandaag om 07:00', 'morgen om 07:00' or 'donderdag 3 december om 07:00'."""
    clock = hhmm(at_local.time())
    days = (at_local.date() - today).days
    if days == 0:
        return f"vandaag om {clock}"
    if days == 1:
        return f"morgen om {clock}"
    return f"{format_date(at_local.date(), 'EEEE d MMMM', locale='nl')} om {clock}"


def greeting(first_name: str | None) -> str:
    return f"Hoi {first_name}!" if first_name else "Hoi!"


WELCOME = (
    "Welkom bij druppel. Elke dag krijg je, op een tijd die jij kiest, een korte les en één "
    "vraag om over na te denken. Je antwoorden bewaar ik voor je, zodat je later kunt "
    "terugkijken.\n\nMet welke cursus wil je beginnen?"
)
UNKNOWN_COURSE = "Die cursus ken ik niet. Kies er een hieronder."
COURSE_CHOSEN = "Je kiest voor “{title}”.\n\n{description}"
ASK_TIME = (
    "Hoe laat wil je je les elke dag ontvangen? Kies een tijd, of typ er zelf een "
    "(bijvoorbeeld 7:30)."
)
OTHER_TIME = "Andere tijd"
TYPE_TIME = "Typ de tijd waarop je je les wilt krijgen, bijvoorbeeld 7:30, half 8 of 21:15."
BAD_TIME = (
    "Die tijd begrijp ik niet. Typ een tijd zoals 7:30, 19.30, half 8 of kwart over 7 's avonds."
)
WHICH_TIME = "Bedoel je 's ochtends of 's avonds?"
TIME_MORNING = "{time} 's ochtends"
TIME_EVENING = "{time} 's avonds"
ASK_ZONE = "Ik ga uit van de tijdzone {zone}. Klopt dat?"
WHICH_ZONE = "{country} heeft meer dan één tijdzone. Welke is de jouwe?"
ZONE_OK = "Ja, klopt"
OTHER_ZONE = "Andere tijdzone"
TYPE_ZONE = (
    "Waar woon je? Typ je land of een stad, bijvoorbeeld Nederland, België, Antwerpen, "
    "Den Haag of Paramaribo."
)
BAD_ZONE = (
    "Die plaats vind ik niet. Typ je land of een grote stad bij jou in de buurt, bijvoorbeeld "
    "Nederland, België, Antwerpen of Paramaribo."
)
ENROLLED = (
    "Je bent ingeschreven voor “{title}”. Je eerste les komt {when}, tijdzone {zone}.\n\n"
    "Na elke les stel ik je een vraag. Je antwoord typ je gewoon hier; ik bewaar het voor je. "
    "Geen mens leest je antwoorden: geen trainer, geen beheerder. Ze zijn alleen voor jou.\n\n"
    "Met /help zie je wat je verder kunt doen, met /hulp waar je terechtkunt als het niet goed "
    "gaat."
)
ALREADY_FOLLOWING = (
    "Je volgt al “{title}” en zit op dag {day} van {length}. Wil je opnieuw beginnen? "
    "Je voortgang gaat dan terug naar het begin; je antwoorden blijven bewaard."
)
RESTART_YES = "Ja, opnieuw beginnen"
RESTART_NO = "Nee, ga verder"
KEEP_GOING = "Prima, je gaat gewoon verder waar je was. Je volgende les komt {when}."
KEEP_GOING_PAUSED = "Prima, er verandert niets. Je cursus staat op pauze; met /verder ga je verder."

TIME_SET = "Je les komt voortaan om {time}, tijdzone {zone}. De volgende komt {when}."
TIME_SET_NO_COURSE = "Je tijd staat nu op {time}, tijdzone {zone}."
CURRENT_TIME = "Je les komt nu om {time}, tijdzone {zone}. Hoe laat wil je hem voortaan ontvangen?"

PAUSED = "Je cursus staat op pauze. Ik stuur je niets tot je /verder typt."
ALREADY_PAUSED = "Je cursus staat al op pauze. Met /verder ga je verder."
RESUMED = "Welkom terug! Je volgende les (dag {day}) komt {when}."
REST_OF_LESSON = "Eerst krijg je nu de rest van de les waarin je pauzeerde."
NOT_PAUSED = "Je cursus loopt gewoon. Je volgende les komt {when}."
STOPPED = (
    "Je cursus is gestopt; ik stuur je geen lessen meer. Je antwoorden blijven bewaard. "
    "Met /start kun je altijd opnieuw beginnen."
)
NO_COURSE = "Je volgt op dit moment geen cursus. Met /start kies je er een."
NOT_STARTED = "Hoi! Typ /start om een cursus te kiezen."
FIRST_LESSON_COMING = "Je eerste les komt {when}. Daarna kun je hier je antwoord kwijt."
WAITING_FOR_REFLECTION = "De volgende les komt zodra je op de vraag van dag {day} hebt geantwoord."

REFLECTION_SAVED = "Dank je wel. Ik heb je antwoord bij dag {day} bewaard."
REFLECTION_ADDED = "Dank je wel. Ik heb het bij je antwoord op dag {day} gezet."
NEXT_LESSON = "Je volgende les komt {when}."
CHECKIN_SAVED = "Genoteerd: {score} van 5, bij dag {day}."
CHECKIN_STALE = "Deze vraag hoort bij een les die je nog niet hebt gehad of die niet meer bestaat."
UNSUPPORTED = (
    "Dank je! Ik kan alleen tekst lezen, dus geen {what}. Typ je antwoord gerust in een bericht."
)
UNSUPPORTED_WHAT = {
    "sticker": "stickers",
    "photo": "foto's",
    "voice": "spraakberichten",
    "video": "video's",
    "document": "bestanden",
    "audio": "geluidsfragmenten",
    "location": "locaties",
    "contact": "contactkaarten",
}
UNKNOWN_COMMAND = "Dat commando ken ik niet. Met /help zie je wat ik kan."
STALE_BUTTON = "Deze knop hoort bij een eerder gesprek. Met /help zie je wat je nu kunt doen."
TOO_LONG = "Dat is een lang bericht! Ik kan er {limit} tekens van bewaren; wil je het inkorten?"
SOMETHING_WRONG = "Er ging iets mis aan mijn kant. Probeer het over een minuutje nog eens."

PROGRESS = "“{title}”: dag {done} van {length} ontvangen. Antwoorden: {answers}. {status}"
PROGRESS_ACTIVE = "Je volgende les komt {when}."
PROGRESS_PAUSED = "Je cursus staat op pauze; met /verder ga je verder."
PROGRESS_DONE = "Je hebt de hele cursus gehad. Mooi gedaan!"
PROGRESS_STOPPED = "Deze cursus is gestopt."
PROGRESS_AWAITING = "De volgende les komt na je antwoord op dag {day}."
PROGRESS_LAST_ANSWER = (
    "Je hebt alle dagen ontvangen. Je antwoord op de vraag van dag {day} is nog welkom; "
    "daarna sluiten we de cursus samen af."
)
FOLLOWUP_SAVED = "Dank je wel dat je het laat weten. Ik heb je antwoord bij je cursus bewaard."

COURSE_DONE = (
    "Dit was de laatste les van “{title}”. Dank je wel dat je deze dagen met jezelf op pad "
    "bent geweest. Je antwoorden blijven bewaard; met /voortgang kijk je terug."
)

HELP = (
    "Gaat het niet goed met je? Typ /hulp: daar staan de nummers van wie je meteen helpt.\n\n"
    "Dit kun je hier doen:\n"
    "/start: een cursus kiezen of opnieuw beginnen\n"
    "/vandaag: de les van vandaag nog eens\n"
    "/dag 3: een eerdere dag nog eens lezen (en je antwoord erop geven)\n"
    "/antwoorden: je eigen antwoorden teruglezen\n"
    "/voortgang: waar je bent in je cursus\n"
    "/tempo: elke dag, om de dag of in je eigen tempo een les\n"
    "/tijd: het tijdstip van je les veranderen\n"
    "/tijdzone: je tijdzone veranderen\n"
    "/pauze: even niets ontvangen\n"
    "/verder: weer verdergaan\n"
    "/stop: de cursus stoppen\n"
    "/coach: een vraag stellen aan een coach (een mens)\n"
    "/privacy: wat ik bewaar en wie het leest\n"
    "/mijngegevens: alles wat ik over jou bewaar, als bestand\n"
    "/wisgegevens: alles over jou wissen\n"
    "/help: dit overzicht\n\n"
    "Na elke les kun je je antwoord gewoon hier typen."
)
#: Under /help for someone whose app speaks another language: the one English part.
HELP_ENGLISH = (
    "In English: druppel and its courses speak Dutch only. In danger, call 112 (free, anywhere "
    "in Europe); /hulp has the helplines, with a button to read them in English."
)
#: An unknown command that is a typo away from one we know.
DID_YOU_MEAN = "Dat commando ken ik niet. Bedoel je /{command}?"
#: A short message that is no answer ("hallo?", "test", "?"): what the bot is for, kept nowhere.
NOT_AN_ANSWER = (
    "Hoi! Ik ben er. Je antwoord op de vraag van dag {day} typ je gewoon hier, in je eigen woorden."
)
#: Its buttons: the day's question again (/vandaag), and what the bot can do (/help).
QUESTION_AGAIN = "De vraag nog eens"
WHAT_I_DO = "Wat kan ik hier?"
#: Only an emoji or a sign: asked before it is kept as the day's answer.
KEEP_THIS = "Wil je dit bewaren als je antwoord op dag {day}?"
KEEP_YES = "Ja, bewaar het"
KEEP_NO = "Nee"
KEEP_NOT = "Goed, ik bewaar het niet. Je antwoord typ je gewoon hier, wanneer je wilt."
#: After /dag N: what they type belongs to that day, until the next lesson or /vandaag.
ANSWER_FOR_DAY = (
    "Wil je hier nog op antwoorden? Wat je nu typt, bewaar ik bij dag {day}. Met /vandaag ga "
    "je terug naar de vraag van vandaag."
)

#: The command menu Telegram shows, Dutch first; English aliases work but are not listed.
MENU = [
    ("start", "Een cursus kiezen"),
    ("vandaag", "De les van vandaag nog eens"),
    ("voortgang", "Waar je bent in je cursus"),
    ("tempo", "Hoe vaak je een les krijgt"),
    ("tijd", "Het tijdstip van je les veranderen"),
    ("tijdzone", "Je tijdzone veranderen"),
    ("pauze", "Even niets ontvangen"),
    ("verder", "Weer verdergaan"),
    ("stop", "De cursus stoppen"),
    ("help", "Wat je kunt doen"),
    ("hulp", "Hulp als het niet goed gaat"),
    ("coach", "Een vraag aan een coach"),
    ("privacy", "Wat ik bewaar en wie het leest"),
]

PRIVACY = (
    "Dit bewaar ik over jou:\n"
    "• {identity}\n"
    "• je cursus, hoe ver je bent, je lestijd en tijdzone\n"
    "• je antwoorden en je scores\n"
    "• welke groepsberichten je kreeg, en wat nog naar je onderweg is\n"
    "• je vragen via /coach, en de antwoorden\n"
    "• als een bericht aan jou mislukt: een foutregel, zonder inhoud\n"
    "{extra}\n"
    "Waarom: om je lessen op jouw tijd te sturen en je te laten terugkijken. Niets anders.\n\n"
    "Wie het ziet: geen mens leest je antwoorden. Je vragen via /coach (met je naam) en wat je "
    "zelf met ze deelt, lezen alleen de coaches. Beheerders zien alleen je voortgang en "
    "aantallen, nooit {hidden} of wat jij schrijft.{carrier}\n\n"
    "{how_long}\n\n"
    "Met /mijngegevens krijg je alles als bestand, met /wisgegevens wis je alles voorgoed. "
    "Klopt er iets niet, dan kun je een klacht indienen bij de Autoriteit Persoonsgegevens."
)
#: What identifies them, per channel, and what operators never see of it.
PRIVACY_IDENTITY_TELEGRAM = "je voornaam en je chat-id, zoals Telegram ze doorgeeft"
PRIVACY_IDENTITY_WHATSAPP = "je telefoonnummer en je profielnaam, zoals WhatsApp ze doorgeeft"
PRIVACY_IDENTITY_OTHER = "je voornaam en je chat-id"
PRIVACY_HIDDEN_TELEGRAM = "je naam"
PRIVACY_HIDDEN_WHATSAPP = "je nummer, je naam"
PRIVACY_EXTRA_WHATSAPP = "• of mijn berichten aankwamen en gelezen zijn (30 dagen)\n"
PRIVACY_CARRIER_TELEGRAM = " Telegram bezorgt de berichten."
PRIVACY_CARRIER_WHATSAPP = " WhatsApp bezorgt de berichten."
PRIVACY_KEPT = "Hoe lang: tot je het zelf wist; vanzelf wis ik niets."
PRIVACY_RETENTION = (
    "Hoe lang: zolang je druppel gebruikt. Gebruik je druppel {days} dagen niet, dan wis ik je "
    "antwoorden en je gegevens vanzelf; twee weken vooraf krijg je daar een bericht over."
)
DELETE_ASK = (
    "Weet je het zeker? Dan wis ik alles wat ik over jou bewaar: je cursus, hoe ver je bent, "
    "je antwoorden en je scores. Daarna kan ik niets meer terughalen."
)
DELETE_YES = "Ja, wis alles"
DELETE_NO = "Nee, toch niet"
DELETE_DONE = (
    "Klaar, ik heb alles over jou gewist. Wil je ooit opnieuw beginnen, dan typ je gewoon /start."
)
DELETE_KEPT = "Goed, ik heb niets gewist. Alles blijft zoals het was."
DELETE_NOTHING = "Ik bewaar niets over jou."

# -- looking back --------------------------------------------------------------------------------
ANSWERS_DAY = "Dag {day} · {title}"
ANSWERS_SCORE = "Herkenning: {score} van 5"
ANSWERS_YOURS = "Jij schreef: {text}"
ANSWERS_NONE = (
    "Je hebt nog geen antwoorden gegeven. Na elke les kun je je antwoord gewoon hier typen."
)


def answers_unreadable(count: int) -> str:
    """After /antwoorden, when some answers can no longer be opened (a key that was lost)."""
    which = "Eén antwoord" if count == 1 else f"{count} antwoorden"
    return (
        f"{which} van je kan ik door een fout aan onze kant niet meer lezen. "
        "De rest staat hierboven."
    )


#: Instead of a message that needed something no key opens any more (it is set aside).
UNREADABLE_ITEM = (
    "Sorry, een bericht voor jou kan ik door een fout aan onze kant niet meer lezen. "
    "Ik sla het over; verder loopt alles gewoon door."
)
RECORD_UNREADABLE = (
    "Sorry, wat ik van je bewaar kan ik door een fout aan onze kant niet meer lezen, dus je "
    "lessen staan stil. Met /wisgegevens wis je alles; daarna begin je opnieuw met /start."
)
DAY_USAGE = "Welke dag wil je teruglezen? Typ bijvoorbeeld /dag 1 (je hebt dag 1 tot {last})."
DAY_NONE_YET = "Je eerste les is nog niet gekomen; daarna kun je elke dag teruglezen."
DAY_NOT_YET = "Dag {day} is nog niet gekomen. Je kunt dag 1 tot {last} teruglezen."
PROGRESS_SCORE = "{theme} (dag {day}): {score}"
PROGRESS_SCORES = "Hoe sterk je elk thema herkende (1 tot 5):\n{scores}"
PROGRESS_LOOK_BACK = "Met /antwoorden lees je terug wat je schreef, met /dag en een nummer een les."
COURSE_CHANGED = (
    "Deze cursus is aangepast en gaat voorlopig niet verder. Je antwoorden blijven bewaard. "
    "Zodra de cursus er weer is, ga je met /verder verder waar je was; met /start kies je een "
    "andere cursus."
)

SUMMARY_TITLE = "Wat je herkende in “{title}”"
SUMMARY_AXIS = "Hoe sterk je het herkende (1 tot 5)"
SUMMARY_STRONGEST = "Het sterkst herkende je {themes} ({score} van 5)."
SUMMARY_NOTHING_STRONG = (
    "Geen van de thema's sprong er echt uit. Ook dat zegt iets: misschien speelt er iets wat "
    "deze cursus niet noemt, of heb je veel van deze patronen al doorzien."
)
SUMMARY_CLOSING = (
    "Wat je het sterkst herkende, is een goed begin om verder te kijken. Hieronder staat alles "
    "wat je deze dagen schreef, bij elkaar."
)
SUMMARY_ALL_ALIKE = (
    "Je herkende elk thema even sterk ({score} van 5). Ze spelen dus allemaal mee; kijk gerust "
    "welk thema je bij het teruglezen het meest raakt."
)
SUMMARY_ALL_BELOW = "Hieronder staat alles wat je deze dagen schreef, bij elkaar."
#: In the answers that close a course, instead of the words of a day that signalled danger.
SUMMARY_HEAVY_DAY = (
    "Op deze dag schreef je iets zwaars. Dat zet ik hier niet nog eens neer. Met /hulp zie je "
    "waar je terechtkunt, en met /antwoorden lees je je eigen woorden terug."
)
SUMMARY_NO_SCORES = (
    "Je gaf deze cursus geen scores, dus een overzicht van wat je herkende kan ik niet maken. "
    "Hieronder staat alles wat je deze dagen schreef, bij elkaar."
)
SUMMARY_STAND_IN = "Je persoonlijke overzicht van deze cursus."

PREVIEW_CHOOSE = "Welke cursus wil je lezen zoals deelnemers hem krijgen?"
PREVIEW_STARTED = (
    "Je krijgt “{title}” nu dag voor dag, elke {seconds:g} seconden een dag, precies zoals "
    "deelnemers hem krijgen. Met /preview stop houd ik op. Dit telt in geen enkele statistiek."
)
PREVIEW_STOPPED = "De voorvertoning is gestopt."
PREVIEW_NONE = "Er loopt geen voorvertoning."
PREVIEW_DONE = "Dat was de hele cursus “{title}”."
PREVIEW_UNKNOWN = "Die cursus ken ik niet. Kies er een:"
KEPT_FOR_LATER = (
    "Ik kan je bericht nu even niet verwerken. Ik houd het vast en verwerk het zodra het weer "
    "kan; je hoeft niets opnieuw te sturen."
)
CANNOT_KEEP_NOW = (
    "Sorry, ik kan je bericht nu even niet bewaren. Stuur het over een paar minuten nog eens; "
    "je cursus loopt gewoon door."
)
SLOW_DOWN = (
    "Rustig aan, ik kan het even niet bijhouden. Alles wat je stuurt bewaar ik; ik reageer weer "
    "zodra het wat kalmer is."
)
EXPORT_CAPTION = (
    "Hier is alles wat ik over jou bewaar, als één bestand: je gegevens, je cursussen, je "
    "antwoorden en je scores, en welke berichten ik je stuurde of nog stuur."
)
PRIVACY_FIRST = (
    "Goed om te weten nu ik je eerste antwoord bewaar: het is alleen voor jou. Geen mens leest "
    "het, geen trainer en geen beheerder. Met /privacy lees je wat ik bewaar en hoe lang, met "
    "/wisgegevens wis je alles."
)
