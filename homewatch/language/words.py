"""The words of the home: object names, pronouns, places, devices, wake phrases, digits."""

from __future__ import annotations

from collections.abc import Mapping

from homewatch.core.messages import SCENE_CLASSES


def a_noun(word: str) -> str:
    """"a dog", "an intruder"."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


# Singular nouns, plural nouns and (person only) pronoun-like forms, per scene class.
OBJECT_WORDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "person": (("person", "man", "woman", "kid", "child", "visitor", "stranger", "intruder",
                "guy", "human", "burglar", "boy", "girl", "pedestrian"),
               ("people", "persons", "men", "women", "kids", "children", "visitors",
                "strangers", "guys", "humans", "folks", "intruders", "pedestrians")),
    "car": (("car", "vehicle", "automobile", "auto", "sedan", "taxi"),
            ("cars", "vehicles", "automobiles", "autos", "taxis")),
    "truck": (("truck", "lorry", "van", "pickup", "pickup truck", "delivery truck"),
              ("trucks", "lorries", "vans", "pickups")),
    "bicycle": (("bicycle", "bike", "push bike", "cycle"), ("bicycles", "bikes", "cycles")),
    "motorcycle": (("motorcycle", "motorbike", "scooter", "moped"),
                   ("motorcycles", "motorbikes", "scooters", "mopeds")),
    "bus": (("bus", "coach", "school bus", "minibus"), ("buses", "busses", "coaches")),
    "dog": (("dog", "puppy", "doggy", "pup", "hound", "pooch", "doggo"),
            ("dogs", "puppies", "doggies", "pups", "hounds")),
    "cat": (("cat", "kitty", "kitten", "pussycat", "tomcat"), ("cats", "kitties", "kittens")),
    "bird": (("bird", "pigeon", "crow", "sparrow", "seagull", "magpie", "robin"),
             ("birds", "pigeons", "crows", "sparrows", "seagulls")),
    "package": (("package", "parcel", "delivery", "box", "packet"),
                ("packages", "parcels", "deliveries", "boxes", "packets")),
}
PERSON_PRONOUNS = ("someone", "somebody", "anyone", "anybody", "a person", "any person",
                   "any people", "anybody at all", "a human")
ANYTHING = ("anything", "something", "anything at all", "any movement", "any activity")

# Raw place and device words: used when the gazetteer did not replace a name.
PLACES = ("front door", "back door", "garden", "driveway", "kitchen", "living room", "garage",
          "backyard", "porch", "hallway", "yard", "street", "entrance", "patio", "gate",
          "front yard", "back yard", "office", "basement", "shed", "stairs", "balcony",
          "nursery", "side door", "parking", "lobby", "bedroom", "terrace", "carport")
DEVICES = ("porch light", "kitchen light", "lights", "fan", "heater", "tv", "television",
           "coffee maker", "sprinkler", "garden lights", "lamp", "radio", "air conditioner",
           "boiler", "plug", "music", "hallway light", "christmas lights", "pump", "fountain")
WAKE = ("hey homewatch", "ok homewatch", "homewatch", "hey home watch", "hi homewatch",
        "hello homewatch")
DIGITS: tuple[str, ...] = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
)
# The scene classes as the strict grammar says them.
THINGS: tuple[str, ...] = SCENE_CLASSES
PLURALS: Mapping[str, str] = {"person": "people", "bus": "buses"}


def plural(thing: str) -> str:
    return PLURALS.get(thing, thing + "s")

# Spoken names of camera groups beyond the group's own name (`understanding.camera_groups`).
GROUP_ALIASES: Mapping[str, tuple[str, ...]] = {
    "outside": ("outdoors", "out of doors", "outside the house"),
    "inside": ("indoors", "in the house", "inside the house"),
}
# Words that ask about every camera (the same as naming no place).
EVERYWHERE = ("anywhere", "everywhere", "at home", "home", "around the house",
              "on any camera", "all cameras")
