package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter keeps one token bucket per key (a remote host, an account), so
// that one noisy peer or script cannot take a node's write capacity.
type Limiter struct {
	rate  rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// idleBucket is how long an unused bucket is kept.
const idleBucket = 10 * time.Minute

// NewLimiter allows perSecond requests per key with bursts of burst; a
// non-positive perSecond means no limit (nil limiter).
func NewLimiter(perSecond float64, burst int) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	return &Limiter{rate: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}}
}

// Allow takes a token for key; it is always true on a nil limiter.
func (l *Limiter) Allow(key string) bool {
	if l == nil {
		return true
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > idleBucket {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > idleBucket {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// tooMany answers 429 with a Retry-After peers and scripts honour.
func tooMany(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(1))
	apiError(w, http.StatusTooManyRequests, "too many requests: slow down and retry")
}

// limitWrites applies the per-account limit to the API's write methods.
func (s *Server) limitWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if acct := currentAccount(r); acct != nil && !s.WriteLimiter.Allow(strconv.FormatInt(acct.ID, 10)) {
				tooMany(w)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
