package federation

import (
	"crypto"
	"sync"
	"time"
)

// cacheLimit bounds each in-memory cache: past it the cache starts again
// empty, which costs a few lookups and never a wrong answer.
const cacheLimit = 4096

// keyCacheFor is how long a verified key is trusted without looking at the
// database again. A rotated key is refetched at once (VerifyRequest asks
// again with refresh when the cached key does not verify); this bounds how
// long a key removed by another process of the node (the worker) is still
// used here.
const keyCacheFor = 2 * time.Minute

type cachedKey struct {
	pub   crypto.PublicKey
	owner string
	at    time.Time
}

// keyCache maps key ids to parsed public keys and their owners, so that the
// inbox verifies a known peer's signature without a database round trip.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]cachedKey
}

func (c *keyCache) get(keyID string, now time.Time) (cachedKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[keyID]
	if !ok || now.Sub(k.at) > keyCacheFor {
		return cachedKey{}, false
	}
	return k, true
}

func (c *keyCache) put(keyID string, k cachedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || len(c.keys) >= cacheLimit {
		c.keys = make(map[string]cachedKey)
	}
	c.keys[keyID] = k
}

// forgetOwner drops the keys of an actor whose document changed.
func (c *keyCache) forgetOwner(owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, k := range c.keys {
		if k.owner == owner {
			delete(c.keys, id)
		}
	}
}

type cachedSigner struct {
	keys   signerKeys
	signer *Signer
}

// signerCache keeps local actors' parsed private keys: parsing and checking
// a PEM key costs more than a tenth of a signature, on every delivery.
type signerCache struct {
	mu      sync.Mutex
	signers map[string]cachedSigner
}

// get returns the signer for an actor's keys, parsing the PEMs only when
// they are new or changed.
func (c *signerCache) get(sk signerKeys) (*Signer, error) {
	keyID := sk.keyID
	c.mu.Lock()
	s, ok := c.signers[keyID]
	c.mu.Unlock()
	if ok && s.keys == sk {
		return s.signer, nil
	}
	k, err := parseSigner(sk)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.signers == nil || len(c.signers) >= cacheLimit {
		c.signers = make(map[string]cachedSigner)
	}
	c.signers[keyID] = cachedSigner{keys: sk, signer: k}
	return k, nil
}
