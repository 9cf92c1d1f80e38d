package node

import "net/http"

// pages builds the web interface; nil keeps the plain built-in pages.
func (n *Node) pages() http.Handler { return nil }
