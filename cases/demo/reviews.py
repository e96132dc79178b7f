"""The demo review queue: a trainee's spaced-repetition cards, made from the practice history they already have.

create_history (cases/demo/library.py) commits each demo attempt through the real commit and then dates it back;
the cards its commits made were scheduled at the moment of seeding. Here they are made again from the attempts in
the order they are dated, through the same schedule a commit uses (sinsquiz/training/reviews.py), so that what the
trainee missed weeks ago is overdue today and what they read right lately is not due yet.
"""

from sinsquiz.training import reviews


def create_review_queue(trainee) -> int:
    """Make `trainee`'s review cards again from their committed attempts, oldest first; returns how many cases are
    due for review today. Safe to call again: the cards are made afresh each time."""
    reviews.rebuild(trainee)
    return len(reviews.due_for(trainee))
