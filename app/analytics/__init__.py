"""Analytics: what was published and sent, week by week."""
