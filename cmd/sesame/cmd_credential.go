package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesame-credit/sesame/credential"
)

// The operator's credential commands: rotate the signing key, list keys,
// print the published JWKS. Private keys are sealed with a key encryption
// key (KEK) kept outside the database: $SESAME_CREDENTIAL_KEK (base64 of 32
// bytes), or a 0600 file (--kek-file): on SQLite by default DB.credential-kek,
// created on first use; on PostgreSQL named, and never created (replicas
// share it). Listing and publishing keys needs no KEK.

func init() {
	register(&command{name: "credential rotate", summary: "make a new credential signing key; older credentials stay verifiable", run: runCredentialRotate})
	register(&command{name: "credential keys", summary: "list the credential signing keys", run: runCredentialKeys})
	register(&command{name: "credential jwks", summary: "print the published credential keys (JWKS) for offline verification", run: runCredentialJWKS})
}

// kekFlag registers --kek-file; its default depends on --db, so it is resolved later.
func kekFlag(fs *flag.FlagSet) *string {
	return fs.String("kek-file", kekFileEnv(), "key encryption key `FILE` for credential signing keys (default: DB.credential-kek; none on PostgreSQL; env SESAME_CREDENTIAL_KEK_FILE; $SESAME_CREDENTIAL_KEK holds the key itself)")
}

// kekFileEnv is the KEK file named in the environment, for serve and the
// credential commands alike: SESAME_CREDENTIAL_KEK_FILE, or
// SESAME_KEK_FILE, the name serve read before.
func kekFileEnv() string {
	return envOr("SESAME_CREDENTIAL_KEK_FILE", os.Getenv("SESAME_KEK_FILE"))
}

// errNoKEK says that PostgreSQL needs the KEK named: there is no database
// file to keep it beside, and every replica must use the same one (a replica
// with another KEK could not open the stored signing keys).
var errNoKEK = errors.New("on PostgreSQL the credential key encryption key has no default file: set $SESAME_CREDENTIAL_KEK (base64 of 32 bytes; e.g. openssl rand -base64 32) or pass --kek-file FILE, the same key for every replica")

// loadKEK returns the key encryption key: from the environment, else from
// the file; on SQLite a missing file is created (0600) with a random key.
func loadKEK(path, dbPath string) ([]byte, error) {
	if v := os.Getenv("SESAME_CREDENTIAL_KEK"); v != "" {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil || len(k) != credential.KEKSize {
			return nil, errors.New("SESAME_CREDENTIAL_KEK must be the base64 of 32 random bytes (e.g. openssl rand -base64 32)")
		}
		return k, nil
	}
	if path == "" {
		if isPostgresURL(dbPath) {
			return nil, errNoKEK
		}
		path = dbPath + ".credential-kek"
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && isPostgresURL(dbPath) {
		// Every replica must use the same key, so a missing file is a
		// mistake (a typo, a replica not yet given it), not a first use:
		// making a new key here would seal new signing keys that no
		// other replica can open.
		return nil, fmt.Errorf("the credential key encryption key file %s does not exist; on PostgreSQL sesame does not make one, since every replica must use the same key: create it once (umask 077; openssl rand -base64 32 > %s) and give it to every replica", path, path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		k := make([]byte, credential.KEKSize)
		rand.Read(k)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("creating the credential key encryption key %s: %w", path, err)
		}
		defer f.Close()
		if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "sesame: created the credential key encryption key %s (mode 0600); back it up apart from the database\n", path)
		return k, f.Sync()
	}
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v); run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != credential.KEKSize {
		return nil, fmt.Errorf("%s does not hold the base64 of 32 bytes", path)
	}
	return k, nil
}

// credentialService builds the credential service on the store of
// whichever engine is open.
func credentialService(st *store, kek []byte, issuer string) (*credential.Service, error) {
	sealer, err := credential.NewSealer(kek)
	if err != nil {
		return nil, err
	}
	return &credential.Service{Store: st.Credentials(), Sealer: sealer, Issuer: issuer}, nil
}

// credentialAccess says whether a command signs (and so needs the KEK to
// open the signing key) or only reads public keys.
type credentialAccess bool

const (
	signing    credentialAccess = true
	publicOnly credentialAccess = false
)

func openCredentialCommand(ctx context.Context, name string, access credentialAccess, args []string, extra func(*flag.FlagSet)) (*credential.Service, *store, error) {
	fs := newFlags(name, "[--db PATH|URL] [--kek-file FILE]")
	dsn := dbFlag(fs)
	kek := kekFlag(fs)
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, usageError(fs, "unexpected arguments: "+strings.Join(fs.Args(), " "))
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return nil, nil, err
	}
	if access == publicOnly {
		// Public keys only: no KEK asked for, none made (--kek-file is
		// accepted and unused, so that scripts may pass it to all).
		return &credential.Service{Store: st.Credentials()}, st, nil
	}
	key, err := loadKEK(*kek, *dsn)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	svc, err := credentialService(st, key, "")
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, st, nil
}

func runCredentialRotate(ctx context.Context, args []string) error {
	svc, st, err := openCredentialCommand(ctx, "credential rotate", signing, args, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := svc.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Println(k.KID)
	fmt.Fprintf(os.Stderr, "sesame credential rotate: %s signs new credentials; the retired keys stay published for %d days, until all they signed has expired\n",
		k.KID, int(credential.MaxValidity.Hours()/24))
	return nil
}

func runCredentialKeys(ctx context.Context, args []string) error {
	var asJSON *bool
	svc, st, err := openCredentialCommand(ctx, "credential keys", publicOnly, args, func(fs *flag.FlagSet) {
		asJSON = fs.Bool("json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := svc.Store.Keys(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	type row struct {
		KID       string    `json:"kid"`
		Created   time.Time `json:"created"`
		RetiredAt time.Time `json:"retired_at,omitzero"`
		Published bool      `json:"published"`
	}
	rows := []row{}
	for _, k := range keys {
		rows = append(rows, row{k.KID, k.Created, k.RetiredAt, k.Published(now)})
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tCREATED\tRETIRED\tPUBLISHED")
	for _, r := range rows {
		retired := "active"
		if !r.RetiredAt.IsZero() {
			retired = r.RetiredAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", r.KID, r.Created.Format(time.RFC3339), retired, r.Published)
	}
	return tw.Flush()
}

func runCredentialJWKS(ctx context.Context, args []string) error {
	svc, st, err := openCredentialCommand(ctx, "credential jwks", publicOnly, args, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	set, err := svc.JWKS(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(set)
}
