"""Evaluation of retrieval and answers over the QA set."""
