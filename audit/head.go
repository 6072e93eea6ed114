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
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
)

// HeadMessage is what a signed head's signature covers.
func HeadMessage(size int64, at time.Time, root string) []byte {
	return []byte("sesame.access.head.v1\n" + strconv.FormatInt(size, 10) + "\n" +
		strconv.FormatInt(at.UTC().UnixNano(), 10) + "\n" + root + "\n")
}

// SignHead signs the log's current head with key.
func SignHead(key ed25519.PrivateKey, size int64, at time.Time, root []byte) *sesame.SignedHead {
	r := hex.EncodeToString(root)
	at = at.UTC()
	return &sesame.SignedHead{
		Size: size, At: at, Root: r,
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, HeadMessage(size, at, r))),
	}
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
	if err != nil || !ed25519.Verify(pub, HeadMessage(h.Size, h.At, h.Root), sig) {
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
	size, root, err := CurrentRoot(ctx, log)
	if err != nil {
		return nil, err
	}
	h := SignHead(key, size, now, root)
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
			return nil, fmt.Errorf("access log key %s: %w", path, err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
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

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
