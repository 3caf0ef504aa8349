"""Near duplicates in linear size: a cluster of near-duplicate documents is linked member by
member to its earliest document (one link per member, not one per pair), candidates are bounded,
and the result does not depend on arrival order."""
from __future__ import annotations

import random
import time

from kg.graph import NearDuplicateFinder, near_duplicates
from kg.types import Document

BRIEF = ("The city council of {town} approved the new budget on {day} after a long debate about road "
         "repairs, school funding and the harbour, the mayor's office said in a statement.")
TOWNS = ["Bergen", "Oslo", "Tromso", "Bodo", "Molde", "Alta", "Narvik", "Hamar"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _briefs(count: int, seed: int = 1) -> list[Document]:
    rng = random.Random(seed)
    return [Document(f"b{i:05d}", BRIEF.format(town=rng.choice(TOWNS), day=rng.choice(DAYS))) for i in range(count)]


def test_a_thousand_templated_briefs_are_one_cluster_with_one_link_each() -> None:
    documents = _briefs(1000)
    links = near_duplicates(documents)
    assert len(links) == 999  # was 499,500: one edge per pair
    assert {link.target for link in links} == {"b00000"}  # the earliest document
    assert all(0.2 <= link.similarity <= 1 for link in links)


def test_each_member_links_to_the_earliest_document_by_date_then_id() -> None:
    text = BRIEF.format(town="Oslo", day="Monday")
    documents = [Document("a", text, published="2021-05-02"), Document("b", text, published="2021-05-01"),
                 Document("c", text), Document("d", text, published="2021-05-03")]
    links = {(link.source, link.target) for link in near_duplicates(documents)}
    assert links == {("a", "b"), ("c", "b"), ("d", "b")}


def test_separate_stories_make_separate_clusters() -> None:
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(5000)]
    stories = [" ".join(rng.choice(vocabulary) for _ in range(60)) for _ in range(100)]
    documents = [Document(f"s{i:03d}-{copy}", story) for i, story in enumerate(stories) for copy in range(3)]
    links = near_duplicates(documents)
    assert len(links) == 200
    assert {(link.source, link.target) for link in links} == {
        (f"s{i:03d}-{copy}", f"s{i:03d}-0") for i in range(100) for copy in (1, 2)}


def test_arrival_order_does_not_matter() -> None:
    documents = _briefs(300, seed=2) + [Document("z-other", " ".join(f"x{i}" for i in range(40)))]
    forward, backward = NearDuplicateFinder(), NearDuplicateFinder()
    for document in documents:
        forward.add(document)
    for document in reversed(documents):
        backward.add(document)
    assert forward.pairs() == backward.pairs()


def test_ten_thousand_short_documents_take_linear_time() -> None:
    def seconds(count: int) -> float:
        finder = NearDuplicateFinder()
        started = time.perf_counter()
        for document in _briefs(count, seed=count):
            finder.add(document)
        links = finder.pairs()
        assert len(links) <= count
        return time.perf_counter() - started

    small, large = seconds(2000), seconds(10_000)
    assert large < 5 * small * 2  # five times the documents: about five times the time, never 25
