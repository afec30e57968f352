"""五彩先锋服务队 and 时间银行: teams take 服务单; hours are banked, ranked and redeemed."""
