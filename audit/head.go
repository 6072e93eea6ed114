package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
)

// HeadMessage is what a signed head's signature covers; a rotation's head
// also covers the next key.
func HeadMessage(size int64, at time.Time, root, nextKey string) []byte {
	m := "sesame.access.head.v1\n" + strconv.FormatInt(size, 10) + "\n" +
		strconv.FormatInt(at.UTC().UnixNano(), 10) + "\n" + root + "\n"
	if nextKey != "" {
		m += "next_key " + nextKey + "\n"
	}
	return []byte(m)
}

// SignHead signs the log's current head with key; nextKey, when not nil,
// makes it a rotation's head that vouches for the key signing after it.
func SignHead(key ed25519.PrivateKey, size int64, at time.Time, root []byte, nextKey ed25519.PublicKey) *sesame.SignedHead {
	h := &sesame.SignedHead{Size: size, At: at.UTC(), Root: hex.EncodeToString(root),
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))}
	if nextKey != nil {
		h.NextKey = base64.StdEncoding.EncodeToString(nextKey)
	}
	h.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, HeadMessage(h.Size, h.At, h.Root, h.NextKey)))
	return h
}

// VerifyHeadSignature checks h's signature against its own public key
// and, when trusted is not empty, that the key is the trusted one.
func VerifyHeadSignature(h *sesame.SignedHead, trusted string) error {
	if trusted != "" && h.PublicKey != trusted {
		return fmt.Errorf("head of size %d is signed by key %s, not the trusted key %s", h.Size, h.PublicKey, trusted)
	}
	pub, err := base64.StdEncoding.DecodeString(h.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("head of size %d: public key is not an Ed25519 key", h.Size)
	}
	sig, err := base64.StdEncoding.DecodeString(h.Signature)
	if err != nil || !ed25519.Verify(pub, HeadMessage(h.Size, h.At, h.Root, h.NextKey), sig) {
		return fmt.Errorf("head of size %d signed at %s: the signature does not verify", h.Size, h.At.Format(time.RFC3339))
	}
	return nil
}

// CurrentRoot reads the log's size and Merkle root from its stored nodes.
func CurrentRoot(ctx context.Context, log sesame.AccessLog) (int64, []byte, error) {
	size, _, err := log.AccessTree(ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	return rootAt(ctx, log, size)
}

func rootAt(ctx context.Context, log sesame.AccessLog, size int64) (int64, []byte, error) {
	if size == 0 {
		return 0, emptyRoot(), nil
	}
	_, hashes, err := log.AccessTree(ctx, FrontierNodes(size))
	if err != nil {
		return 0, nil, err
	}
	f, err := LoadFrontier(size, hashes)
	if err != nil {
		return 0, nil, err
	}
	return size, f.Root(), nil
}

// SignNow signs and keeps the log's current head.
func SignNow(ctx context.Context, log sesame.AccessLog, key ed25519.PrivateKey, now time.Time) (*sesame.SignedHead, error) {
	return signAndKeep(ctx, log, key, now, nil)
}

// RotateKey signs and keeps the log's current head with the key in use,
// naming next as the key that signs after it: auditors who trust the old
// key then trust the new one from this head on.
func RotateKey(ctx context.Context, log sesame.AccessLog, key ed25519.PrivateKey, next ed25519.PublicKey, now time.Time) (*sesame.SignedHead, error) {
	return signAndKeep(ctx, log, key, now, next)
}

func signAndKeep(ctx context.Context, log sesame.AccessLog, key ed25519.PrivateKey, now time.Time, next ed25519.PublicKey) (*sesame.SignedHead, error) {
	size, root, err := CurrentRoot(ctx, log)
	if err != nil {
		return nil, err
	}
	h := SignHead(key, size, now, root, next)
	if err := log.SaveAccessHead(ctx, h); err != nil {
		return nil, err
	}
	return h, nil
}

// HeadInterval is how often a server signs the log's head: a person's
// newest entries are covered by a signed head within it.
const HeadInterval = 30 * time.Second

// RunSigner signs the log's head at once and then every interval until
// ctx ends. A failure is logged and retried at the next tick.
func RunSigner(ctx context.Context, log sesame.AccessLog, key ed25519.PrivateKey, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := SignNow(ctx, log, key, time.Now()); err != nil && ctx.Err() == nil {
			logger.Error("access log: signing the head failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// LoadOrCreateKey reads the Ed25519 head-signing key at path (its 32-byte
// seed, hex), creating it (mode 0600) when the file does not exist.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return newKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("access log key %s: %w", path, err)
	}
	seed, err := hex.DecodeString(string(trimSpace(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("access log key %s: want a 32-byte seed in hex", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// newKeyFile makes a key and writes its seed to the new file path (mode
// 0600), synced.
func newKeyFile(path string) (ed25519.PrivateKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("access log key %s: %w", path, err)
	}
	_, err = f.WriteString(hex.EncodeToString(seed) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("access log key %s: %w", path, err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// RotateKeyFile replaces the head-signing key in the file at path with a
// new one, which the old key vouches for in a rotation's head (RotateKey):
// the new key is written and synced beside the old first, the rotation's
// head stored next, and the file replaced last, so that a failure at any
// step leaves the old key in use and trusted. Servers sign with the key
// they started with until they restart.
func RotateKeyFile(ctx context.Context, log sesame.AccessLog, path string, now time.Time) (*sesame.SignedHead, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("access log key %s: %w", path, err)
	}
	old, err := LoadOrCreateKey(path)
	if err != nil {
		return nil, err
	}
	staged := path + ".next"
	next, err := newKeyFile(staged)
	if err != nil {
		return nil, err
	}
	h, err := RotateKey(ctx, log, old, next.Public().(ed25519.PublicKey), now)
	if err != nil {
		os.Remove(staged)
		return nil, err
	}
	if err := os.Rename(staged, path); err != nil {
		return h, fmt.Errorf("the rotation is signed, but the new key is still in %s (move it to %s): %w", staged, path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return h, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
