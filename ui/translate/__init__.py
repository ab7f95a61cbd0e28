"""The translator's desk (My assignments, the side-by-side editor with its translation
memory and glossary) and the coordinator's side of it (assignments, the glossary, and
translations beside the original)."""
