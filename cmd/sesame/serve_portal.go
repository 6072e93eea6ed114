package main

import (
	"context"
	"errors"
	"flag"
)

// The person's portal as a part of `sesame serve`: it needs the score
// service (part "scores") and shares --demo and --public-url with the
// partner and consent part.

func init() {
	registerServePart("portal", 30, func(fs *flag.FlagSet) serveWire {
		if fs.Lookup("demo") == nil {
			fs.Bool("demo", false, "demo mode: anyone may log in as anyone (POST /v1/auth/demo), said in every answer; never with real data")
		}
		if fs.Lookup("public-url") == nil {
			fs.String("public-url", envOr("SESAME_PUBLIC_URL", ""), "the server's public `URL`, for approval and login links (env SESAME_PUBLIC_URL; default: from each request)")
		}
		kek := fs.String("kek-file", kekFileEnv(), "file holding the key that encrypts credential signing keys (default: DB.credential-kek; none on PostgreSQL, where the portal is off without it; env SESAME_CREDENTIAL_KEK_FILE; $SESAME_CREDENTIAL_KEK holds the key itself)")
		trustProxy := fs.Bool("trust-proxy", false, "believe X-Forwarded-Proto from a TLS-terminating proxy (cookies then get Secure)")
		secure := fs.Bool("secure-cookies", false, "always set Secure on cookies, even over plain HTTP")
		return func(ctx context.Context, env *serveEnv) error {
			if env.Scores == nil {
				env.Logger.Warn("the portal needs the score service; it is off")
				return nil
			}
			err := mountPortal(ctx, env.Server, env.Store, portalOptions{
				DBPath: env.DSN, KEKFile: *kek, Scores: env.Scores, Rescore: env.Scores,
				Demo: fs.Lookup("demo").Value.String() == "true", BaseURL: fs.Lookup("public-url").Value.String(),
				TrustProxy: *trustProxy, SecureCookies: *secure, Logger: env.Logger,
			})
			if errors.Is(err, errNoKEK) {
				// PostgreSQL deployments that never asked for the portal
				// keep serving the API; naming a KEK turns it on.
				env.Logger.Warn("the portal is off until a credential key encryption key is given", "reason", err.Error())
				return nil
			}
			return err
		}
	})
}
