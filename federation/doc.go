// Package federation is everything about talking to other nodes: HTTP
// signatures, the SSRF-safe outgoing client, the federation policy,
// dereferencing of remote actors and objects, WebFinger, and delivery of
// activities. It knows nothing about HTML.
package federation
