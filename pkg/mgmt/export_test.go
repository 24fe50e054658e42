package mgmt

// CacheKeyOf is the key cc uses in its cache, for the external tests.
func CacheKeyOf(cc *ClientCredentials) string { return cc.cacheKey() }
