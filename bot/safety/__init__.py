"""The safety net: notice when a participant's message signals danger, and answer with help first.

A message is read in four steps, a module each (and a learned second opinion):
- `normalise`: the words as typed become tokens that carry every form they may be read as
  (lemma, Flemish and chat spelling, typos);
- `match`: the vocabulary's pieces and rules are found among the tokens;
- `decide`: what matched is weighed with denial, a past that is over and stories told at a
  distance, and escalated to acute where there is a plan or danger now; `learned`, a model
  trained on the evaluation corpus, is heard where no rule spoke;
- `reply`: what the participant is told, by tier and category.

The vocabulary is data (`vocabulary/*.yaml`), checked when it is loaded. The participant's words
never leave these modules: an `Assessment` carries a tier, a category and the names of the
entries that matched, so it can be logged and counted without content.
"""

from bot.safety.assessment import NONE, Assessment
from bot.safety.decide import Detector, assess, detector
from bot.safety.vocabulary import CATEGORIES, TIERS, Category, Tier, VocabularyError, load

__all__ = [
    "CATEGORIES",
    "NONE",
    "TIERS",
    "Assessment",
    "Category",
    "Detector",
    "Tier",
    "VocabularyError",
    "assess",
    "detector",
    "load",
]
