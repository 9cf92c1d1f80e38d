package node

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// stateCollector reports, at scrape time, deliveries by state (from
// PostgreSQL) and the depth of the node's queues (from Redis).
type stateCollector struct {
	n          *Node
	deliveries *prometheus.Desc
	queue      *prometheus.Desc
}

func newStateCollector(n *Node) *stateCollector {
	return &stateCollector{n: n,
		deliveries: prometheus.NewDesc("archipel_deliveries", "Deliveries by state.", []string{"state"}, nil),
		queue:      prometheus.NewDesc("archipel_queue_depth", "Tasks waiting or running, by queue.", []string{"queue"}, nil),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.deliveries
	ch <- c.queue
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if counts, err := c.n.Store.CountDeliveries(ctx); err == nil {
		for state, v := range counts {
			ch <- prometheus.MustNewConstMetric(c.deliveries, prometheus.GaugeValue, float64(v), state)
		}
	}
	if depth, err := c.n.Queue.Depth(); err == nil {
		for q, v := range depth {
			ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(v), q)
		}
	}
}
