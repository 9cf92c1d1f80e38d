package web

import (
	"context"
	"net/http"

	"github.com/archipel-social/archipel/store"
)

type requestIDKey struct{}

// requestID gives each request our own id, echoed in X-Request-Id; an id
// sent by the client is not trusted (chi's middleware would keep it).
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := store.NewID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
