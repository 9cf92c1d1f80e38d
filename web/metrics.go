package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the node's Prometheus registry and the instruments the HTTP
// layer and the inbox update.
type Metrics struct {
	Registry        *prometheus.Registry
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	InboxAccepted   prometheus.Counter
	InboxRefused    *prometheus.CounterVec
	InboxDuplicates prometheus.Counter
}

// NewMetrics registers the instruments; extra collectors (deliveries by
// state, queue depth) come from the packages that own those numbers.
func NewMetrics(extra ...prometheus.Collector) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "archipel_http_requests_total",
			Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "archipel_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		InboxAccepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "archipel_inbox_accepted_total",
			Help: "Activities accepted into the inbox."}),
		InboxDuplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "archipel_inbox_duplicates_total",
			Help: "Activities delivered again and ignored."}),
		InboxRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "archipel_inbox_refused_total",
			Help: "Activities refused by the inbox, by reason."}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.duration, m.InboxAccepted, m.InboxRefused, m.InboxDuplicates,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range extra {
		if c != nil {
			reg.MustRegister(c)
		}
	}
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

func (m *Metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(ww.Status())).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
