"""The fixed, user-facing garment taxonomy and its mapping from the Kaggle styles columns.

Closet garments and retail inventory items share these categories, so the recommender can filter and pair by them.
`category_for` is plain Python (no Django) so the recommender's importer and ml/ code may call it too.
"""
from __future__ import annotations

TOPS = "tops"
BOTTOMS = "bottoms"
DRESSES = "dresses"
OUTERWEAR = "outerwear"
SHOES = "shoes"
BAGS = "bags"
ACCESSORIES = "accessories"
JEWELLERY = "jewellery"
NIGHTWEAR = "nightwear"
BEAUTY = "beauty"
OTHER = "other"

CATEGORY_CHOICES: list[tuple[str, str]] = [
    (TOPS, "Tops"),
    (BOTTOMS, "Bottoms"),
    (DRESSES, "Dresses & sets"),
    (OUTERWEAR, "Outerwear"),
    (SHOES, "Shoes"),
    (BAGS, "Bags"),
    (ACCESSORIES, "Accessories"),
    (JEWELLERY, "Jewellery & watches"),
    (NIGHTWEAR, "Underwear & nightwear"),
    (BEAUTY, "Beauty & fragrance"),
    (OTHER, "Other"),
]
CATEGORIES: frozenset[str] = frozenset(code for code, _ in CATEGORY_CHOICES)
CATEGORY_LABELS: dict[str, str] = dict(CATEGORY_CHOICES)

# Every articleType of the Kaggle "Fashion Product Images" data (all 143 values), keyed in lower case.
ARTICLE_TYPE_CATEGORY: dict[str, str] = {
    # tops
    "tshirts": TOPS, "shirts": TOPS, "tops": TOPS, "kurtas": TOPS, "kurtis": TOPS, "tunics": TOPS,
    "sweaters": TOPS, "sweatshirts": TOPS, "waistcoat": TOPS, "shrug": TOPS, "dupatta": TOPS,
    "camisoles": NIGHTWEAR, "lounge tshirts": NIGHTWEAR, "suspenders": ACCESSORIES,
    # bottoms
    "jeans": BOTTOMS, "trousers": BOTTOMS, "shorts": BOTTOMS, "track pants": BOTTOMS, "capris": BOTTOMS,
    "leggings": BOTTOMS, "jeggings": BOTTOMS, "skirts": BOTTOMS, "churidar": BOTTOMS, "patiala": BOTTOMS,
    "salwar": BOTTOMS, "salwar and dupatta": BOTTOMS, "tights": BOTTOMS, "stockings": BOTTOMS,
    "rain trousers": BOTTOMS, "tracksuits": BOTTOMS,
    # dresses and one-piece sets
    "dresses": DRESSES, "jumpsuit": DRESSES, "rompers": DRESSES, "sarees": DRESSES, "lehenga choli": DRESSES,
    "kurta sets": DRESSES, "clothing set": DRESSES, "swimwear": DRESSES,
    # outerwear
    "jackets": OUTERWEAR, "blazers": OUTERWEAR, "rain jacket": OUTERWEAR, "nehru jackets": OUTERWEAR,
    # underwear and nightwear
    "bra": NIGHTWEAR, "briefs": NIGHTWEAR, "boxers": NIGHTWEAR, "trunk": NIGHTWEAR, "innerwear vests": NIGHTWEAR,
    "shapewear": NIGHTWEAR, "night suits": NIGHTWEAR, "nightdress": NIGHTWEAR, "baby dolls": NIGHTWEAR,
    "bath robe": NIGHTWEAR, "robe": NIGHTWEAR, "lounge pants": NIGHTWEAR, "lounge shorts": NIGHTWEAR,
    # shoes
    "casual shoes": SHOES, "sports shoes": SHOES, "formal shoes": SHOES, "heels": SHOES, "flats": SHOES,
    "sandals": SHOES, "sports sandals": SHOES, "flip flops": SHOES, "booties": SHOES,
    # bags
    "handbags": BAGS, "backpacks": BAGS, "clutches": BAGS, "duffel bag": BAGS, "laptop bag": BAGS,
    "messenger bag": BAGS, "mobile pouch": BAGS, "rucksacks": BAGS, "tablet sleeve": BAGS, "trolley bag": BAGS,
    "waist pouch": BAGS,
    # accessories
    "wallets": ACCESSORIES, "belts": ACCESSORIES, "sunglasses": ACCESSORIES, "caps": ACCESSORIES,
    "hat": ACCESSORIES, "headband": ACCESSORIES, "hair accessory": ACCESSORIES, "scarves": ACCESSORIES,
    "stoles": ACCESSORIES, "mufflers": ACCESSORIES, "gloves": ACCESSORIES, "socks": ACCESSORIES,
    "ties": ACCESSORIES, "ties and cufflinks": ACCESSORIES, "cufflinks": ACCESSORIES, "umbrellas": ACCESSORIES,
    "key chain": ACCESSORIES, "accessory gift set": ACCESSORIES, "travel accessory": ACCESSORIES,
    "water bottle": ACCESSORIES, "shoe accessories": ACCESSORIES, "shoe laces": ACCESSORIES,
    "wristbands": ACCESSORIES,
    # jewellery and watches
    "watches": JEWELLERY, "earrings": JEWELLERY, "necklace and chains": JEWELLERY, "pendant": JEWELLERY,
    "ring": JEWELLERY, "bangle": JEWELLERY, "bracelet": JEWELLERY, "jewellery set": JEWELLERY,
    # beauty and fragrance
    "perfume and body mist": BEAUTY, "deodorant": BEAUTY, "fragrance gift set": BEAUTY, "lipstick": BEAUTY,
    "lip gloss": BEAUTY, "lip liner": BEAUTY, "lip care": BEAUTY, "lip plumper": BEAUTY, "nail polish": BEAUTY,
    "nail essentials": BEAUTY, "kajal and eyeliner": BEAUTY, "eyeshadow": BEAUTY, "mascara": BEAUTY,
    "compact": BEAUTY, "concealer": BEAUTY, "foundation and primer": BEAUTY, "highlighter and blush": BEAUTY,
    "makeup remover": BEAUTY, "face moisturisers": BEAUTY, "face wash and cleanser": BEAUTY,
    "face scrub and exfoliator": BEAUTY, "face serum and gel": BEAUTY, "mask and peel": BEAUTY,
    "eye cream": BEAUTY, "sunscreen": BEAUTY, "toner": BEAUTY, "body lotion": BEAUTY,
    "body wash and scrub": BEAUTY, "hair colour": BEAUTY, "beauty accessory": BEAUTY,
    "mens grooming kit": BEAUTY,
    # everything else
    "free gifts": OTHER, "ipad": OTHER, "cushion covers": OTHER, "basketballs": OTHER, "footballs": OTHER,
}

# Used when the articleType is unknown (a new dataset) or contradicts its subCategory.
SUB_CATEGORY_CATEGORY: dict[str, str] = {
    "topwear": TOPS, "bottomwear": BOTTOMS, "dress": DRESSES, "saree": DRESSES, "apparel set": DRESSES,
    "innerwear": NIGHTWEAR, "loungewear and nightwear": NIGHTWEAR, "shoes": SHOES, "sandal": SHOES,
    "flip flops": SHOES, "bags": BAGS, "belts": ACCESSORIES, "eyewear": ACCESSORIES, "headwear": ACCESSORIES,
    "wallets": ACCESSORIES, "socks": ACCESSORIES, "scarves": ACCESSORIES, "stoles": ACCESSORIES,
    "mufflers": ACCESSORIES, "ties": ACCESSORIES, "cufflinks": ACCESSORIES, "gloves": ACCESSORIES,
    "accessories": ACCESSORIES, "shoe accessories": ACCESSORIES, "umbrellas": ACCESSORIES,
    "jewellery": JEWELLERY, "watches": JEWELLERY,
}

MASTER_CATEGORY_CATEGORY: dict[str, str] = {
    "apparel": TOPS, "footwear": SHOES, "accessories": ACCESSORIES, "personal care": BEAUTY,
}

# A few rows put an article under a subCategory that says otherwise (a T-shirt under "Belts"); the subCategory wins
# for these, because it is what the catalogue browses by.
_AUTHORITATIVE_SUBS = {"belts", "bags", "watches", "jewellery", "eyewear", "socks"}
_CLOTHING = {TOPS, BOTTOMS, DRESSES}


def category_for(master: str, sub: str, article_type: str) -> str:
    """Map a styles-format (masterCategory, subCategory, articleType) triple to one of CATEGORIES.

    The articleType decides; an unknown articleType falls back to the subCategory, then the masterCategory, then
    "other". Matching ignores case and surrounding spaces, so any casing from a CSV works.
    """
    master_key, sub_key, article_key = (v.strip().lower() for v in (master or "", sub or "", article_type or ""))
    by_article = ARTICLE_TYPE_CATEGORY.get(article_key)
    by_sub = SUB_CATEGORY_CATEGORY.get(sub_key)
    if sub_key in _AUTHORITATIVE_SUBS and by_article in _CLOTHING:
        return by_sub or OTHER
    if by_article is not None:
        return by_article
    if by_sub is not None:
        return by_sub
    return MASTER_CATEGORY_CATEGORY.get(master_key, OTHER)


COLOUR_CHOICES: list[tuple[str, str]] = [
    ("black", "Black"), ("white", "White"), ("grey", "Grey"), ("beige", "Beige"), ("brown", "Brown"),
    ("navy", "Navy"), ("blue", "Blue"), ("green", "Green"), ("olive", "Olive"), ("yellow", "Yellow"),
    ("orange", "Orange"), ("red", "Red"), ("maroon", "Maroon"), ("pink", "Pink"), ("purple", "Purple"),
    ("gold", "Gold"), ("silver", "Silver"), ("multi", "Multicolour"),
]
COLOURS: frozenset[str] = frozenset(code for code, _ in COLOUR_CHOICES)

# Swatch colours for the UI (and the demo's generated images).
COLOUR_HEX: dict[str, str] = {
    "black": "#1f1f1f", "white": "#f7f7f5", "grey": "#9a9a9a", "beige": "#e3d3b5", "brown": "#7b5136",
    "navy": "#1f2f55", "blue": "#3a6fd8", "green": "#3c8d5a", "olive": "#7a7c3a", "yellow": "#f2c94c",
    "orange": "#f08a3c", "red": "#d8433a", "maroon": "#7a1f2b", "pink": "#f2a0b8", "purple": "#7d4fb3",
    "gold": "#c9a544", "silver": "#c0c4c8", "multi": "#b08fd8",
}

BASE_COLOUR_COLOUR: dict[str, str] = {
    "black": "black", "charcoal": "grey", "white": "white", "off white": "white", "cream": "beige",
    "grey": "grey", "grey melange": "grey", "steel": "grey", "beige": "beige", "nude": "beige", "skin": "beige",
    "khaki": "beige", "tan": "brown", "brown": "brown", "coffee brown": "brown", "bronze": "brown",
    "copper": "brown", "mushroom brown": "brown", "taupe": "brown", "burgundy": "maroon", "maroon": "maroon",
    "rust": "orange", "navy blue": "navy", "blue": "blue", "turquoise blue": "blue", "teal": "green",
    "green": "green", "sea green": "green", "fluorescent green": "green", "lime green": "green",
    "olive": "olive", "mustard": "yellow", "yellow": "yellow", "orange": "orange", "peach": "orange",
    "red": "red", "rose": "pink", "pink": "pink", "magenta": "pink", "purple": "purple", "lavender": "purple",
    "mauve": "purple", "gold": "gold", "metallic": "silver", "silver": "silver", "multi": "multi",
}


def colour_for(base_colour: str) -> str:
    """Map a styles-format baseColour ("Navy Blue") to one of COLOURS, or "" when it names no colour."""
    return BASE_COLOUR_COLOUR.get((base_colour or "").strip().lower(), "")


# --- sizes, genders, occasions: the one vocabulary of the closet, the shop and their filters ----------------------

CLOTHING_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SHOE_SIZES = tuple(str(n) for n in range(36, 47))  # EU
ONE_SIZE = "One size"
SIZES = (*CLOTHING_SIZES, *SHOE_SIZES, ONE_SIZE)
SIZE_CHOICES = [
    *[(s, s) for s in CLOTHING_SIZES], *[(s, f"EU {s}") for s in SHOE_SIZES], (ONE_SIZE, ONE_SIZE),
]
# Categories sold in letter sizes (shoes in EU numbers, the rest in one size).
LETTER_SIZED = frozenset({TOPS, BOTTOMS, DRESSES, OUTERWEAR, NIGHTWEAR})

WOMEN, MEN, UNISEX, GIRLS, BOYS = "Women", "Men", "Unisex", "Girls", "Boys"
GENDERS = (WOMEN, MEN, UNISEX, GIRLS, BOYS)  # the inventory's gender values (the Kaggle labels)
GENDER_CHOICES = [(g, g) for g in GENDERS]
ADULT_GENDERS = frozenset({WOMEN, MEN})  # a filter on one of these also admits unisex items

# Seasons a garment or an outfit is for. Blank on a garment means "not said".
SPRING = "spring"
SUMMER = "summer"
AUTUMN = "autumn"
WINTER = "winter"
ALL_SEASON = "all-season"
SEASON_CHOICES: list[tuple[str, str]] = [
    (SPRING, "Spring"), (SUMMER, "Summer"), (AUTUMN, "Autumn"), (WINTER, "Winter"), (ALL_SEASON, "All season"),
]
SEASONS: frozenset[str] = frozenset(code for code, _ in SEASON_CHOICES)
SEASON_LABELS: dict[str, str] = dict(SEASON_CHOICES)

# Occasions: the inventory's `usage` vocabulary (the Kaggle styles column), so an outfit's occasion and a shop
# item's usage compare directly. Codes are the lower-cased usage values.
OCCASION_CHOICES: list[tuple[str, str]] = [
    ("casual", "Casual"), ("formal", "Formal"), ("sports", "Sports"), ("ethnic", "Ethnic"), ("party", "Party"),
    ("travel", "Travel"), ("smart casual", "Smart casual"),
]
OCCASIONS: frozenset[str] = frozenset(code for code, _ in OCCASION_CHOICES)
OCCASION_LABELS: dict[str, str] = dict(OCCASION_CHOICES)


def occasion_for(usage: str) -> str:
    """Map a styles-format usage ("Smart Casual") to one of OCCASIONS, or "" when it names none."""
    key = " ".join((usage or "").strip().lower().split())
    return key if key in OCCASIONS else ""


# Outfit slots, in the order an outfit is shown (head to toe, then what is carried). A dress fills the bottom slot.
SLOT_TOP = "top"
SLOT_BOTTOM = "bottom"
SLOT_OUTERWEAR = "outerwear"
SLOT_SHOES = "shoes"
SLOT_BAG = "bag"
SLOT_ACCESSORIES = "accessories"
SLOT_CHOICES: list[tuple[str, str]] = [
    (SLOT_TOP, "Top"), (SLOT_BOTTOM, "Bottom or dress"), (SLOT_OUTERWEAR, "Outerwear"), (SLOT_SHOES, "Shoes"),
    (SLOT_BAG, "Bag"), (SLOT_ACCESSORIES, "Accessories"),
]
SLOTS: tuple[str, ...] = tuple(code for code, _ in SLOT_CHOICES)
SLOT_LABELS: dict[str, str] = dict(SLOT_CHOICES)
CATEGORY_SLOT: dict[str, str] = {
    TOPS: SLOT_TOP, BOTTOMS: SLOT_BOTTOM, DRESSES: SLOT_BOTTOM, OUTERWEAR: SLOT_OUTERWEAR, SHOES: SLOT_SHOES,
    BAGS: SLOT_BAG, ACCESSORIES: SLOT_ACCESSORIES, JEWELLERY: SLOT_ACCESSORIES,
}


def slot_for(category: str) -> str:
    """The outfit slot a garment of `category` fills; anything without its own slot counts as an accessory."""
    return CATEGORY_SLOT.get(category, SLOT_ACCESSORIES)


TAG_MAX_LENGTH = 40


def normalise_tag(text: str) -> str:
    """One spelling per tag: lower case, inner whitespace collapsed, a leading '#' dropped, cut to the column size."""
    return " ".join((text or "").strip().lstrip("#").lower().split())[:TAG_MAX_LENGTH].strip()
