"""Health-content moderation: safety rules, a scikit-learn classifier, and how they combine."""
