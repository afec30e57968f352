"""Volunteer teams (五彩先锋服务队), service orders, and the time bank (时间银行)."""
