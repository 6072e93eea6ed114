// Package auth authenticates Sesame's callers other than operators (whose
// bearer tokens the http package checks): partners by API key, people by
// session token obtained from a one-time login link. Every secret is
// random, shown once and stored only as its SHA-256; lookups compare hashes
// in constant time so that timing says nothing about a near miss.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// secret returns prefix + 256 random bits, URL-safe.
func secret(prefix string) string {
	var b [32]byte
	rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// shortID returns 12 random hex digits: a public, unguessable-enough handle.
func shortID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Hash is the SHA-256 every secret is stored as.
func Hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
