"""The web side: the committee's dashboard, the chat simulator and the Open311 API (aiohttp)."""
