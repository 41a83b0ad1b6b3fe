"""The review queue: what the classifier flagged, reports and posts awaiting approval, decided by
clinicians and moderators; strikes and appeals; the classifier as the app uses it."""
