"""carepost: social media and messaging for medical practices."""
