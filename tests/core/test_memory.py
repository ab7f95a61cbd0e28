"""Translation memory: sentences translated before, found again exactly or nearly."""

from __future__ import annotations

from fieldapp import translations
from fieldapp.memory import MAX_SHARED, TranslationMemory, pairs_of, sentences, shared_for

SOURCE = ("Les hommes armés sont arrivés à l'aube. Ils ont pillé le marché.\n"
          "Les déplacés internes sont partis vers Sévaré.")
TARGET = ("The armed men arrived at dawn. They looted the market.\n"
          "The internally displaced left for Sévaré.")


def test_sentences_pair_by_paragraph() -> None:
    assert sentences("Un. Deux ? Trois!") == ["Un.", "Deux ?", "Trois!"]
    assert pairs_of(SOURCE, TARGET)[1] == ("Ils ont pillé le marché.", "They looted the market.")
    # a paragraph whose sentences do not pair up is kept whole
    assert pairs_of("A. B.", "A and B.") == [("A. B.", "A and B.")]


def test_exact_then_fuzzy_with_the_differing_words() -> None:
    memory = TranslationMemory(pairs_of(SOURCE, TARGET))
    exact = memory.lookup("les hommes armes sont arrives a l'aube.")
    assert len(exact) == 1 and exact[0].exact
    assert exact[0].target == "The armed men arrived at dawn."
    near = memory.lookup("Les hommes armés sont arrivés le soir.")
    assert near and not near[0].exact and 75 <= near[0].score < 100
    marked = [near[0].source[s:e] for s, e in near[0].differing]
    assert marked == ["à", "l", "aube"]
    assert memory.lookup("Rien à voir avec le reste du texte.") == []


def test_the_memory_of_a_store(vault) -> None:
    rid = vault.records.add("testimony", {"witness_code": "T-1", "text": SOURCE,
                                          "language": "fr"})
    translations.add_translation(vault.conn, vault.pseudonym, rid, "text", "en", TARGET)
    memory = TranslationMemory.from_store(vault.conn, "en")
    assert len(memory) == 3
    assert memory.lookup("Ils ont pillé le marché.")[0].target == "They looted the market."
    assert TranslationMemory.from_store(vault.conn, "fr").lookup("Ils ont pillé") == []
    # search finds the record by its translation too
    assert [s.id for s in vault.records.search("looted")] == [rid]


def test_what_an_assignment_carries_is_only_the_matches_and_bounded() -> None:
    memory = TranslationMemory(pairs_of(SOURCE, TARGET))
    shared = shared_for(memory, ["Ils ont pillé le marché. Un texte sans rapport aucun.",
                                 "Ce matin, les hommes armés sont arrivés à l'aube."])
    assert shared == [("Ils ont pillé le marché.", "They looted the market."),
                      ("Les hommes armés sont arrivés à l'aube.",
                       "The armed men arrived at dawn.")]
    # a near sentence with words of its own (when, who, where) is another record's
    assert shared_for(memory, ["Les hommes armés sont arrivés le soir."]) == []
    assert memory.lookup("Les hommes armés sont arrivés le soir.")  # the desk still has it
    assert shared_for(memory, [SOURCE], budget_s=0) == []  # out of time: nothing more
    many = TranslationMemory((f"Phrase numéro {i} du rapport.", f"Sentence {i}.")
                             for i in range(MAX_SHARED + 50))
    text = " ".join(f"Phrase numéro {i} du rapport." for i in range(MAX_SHARED + 50))
    assert len(shared_for(many, [text], budget_s=60)) == MAX_SHARED
