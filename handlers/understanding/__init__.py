"""Message understanding: normalise, segment, classify and locate community chat messages."""

from handlers.understanding.classifier import Understanding
from handlers.understanding.lexicon import Lexicon, LexiconError, validate_lexicon_file
from handlers.understanding.location import LocationExtractor
from handlers.understanding.segmenter import normalize_text, strip_invisible
from handlers.understanding.types import Classification, Location

__all__ = [
    "Classification",
    "Lexicon",
    "LexiconError",
    "Location",
    "LocationExtractor",
    "Understanding",
    "normalize_text",
    "strip_invisible",
    "validate_lexicon_file",
]
