// compose-config prints what `docker compose config` would print for a project, using compose-go, the
// library Docker Compose itself loads projects with (Docker Compose v5.7.1 pins compose-go v2.16.2, as
// go.mod here does). It exists because the Compose plugin is not on every machine that runs the deploy
// tests; a hand-written substitution would be a second copy of Compose's rules (docs/operations.md).
//
//	compose-config [-f FILE]... [--env-file FILE]... [--project-directory DIR] [-p NAME] [--format json|yaml] [-q] [SERVICE...]
//
// The options are applied in the order Docker Compose applies them (internal/projectloader/loader.go and
// cmd/compose/config.go of docker/compose v5.7.1): the process environment wins, then the env files (or
// the project directory's .env when none is given); interpolation, path resolution, normalisation and
// consistency checks on; service environments resolved. Exit 1 with compose-go's message on any error
// (an invalid file, a required `${VAR:?message}` unset or empty), like `docker compose config`.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

// stringList is a repeatable flag (`-f a.yaml -f b.yaml`).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("compose-config", flag.ContinueOnError)
	var files, envFiles stringList
	fs.Var(&files, "f", "compose file (repeatable; later files override earlier ones)")
	fs.Var(&files, "file", "same as -f")
	fs.Var(&envFiles, "env-file", "env file (repeatable); without it, the project directory's .env is read")
	projectDir := fs.String("project-directory", "", "project directory (default: the first file's directory)")
	name := fs.String("p", "", "project name (default: the top-level name:, else the directory's name)")
	fs.StringVar(name, "project-name", "", "same as -p")
	format := fs.String("format", "yaml", "output format: yaml or json")
	quiet := fs.Bool("q", false, "only validate, print nothing")
	fs.BoolVar(quiet, "quiet", false, "same as -q")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "json" && *format != "yaml" {
		return fmt.Errorf("unsupported format %q", *format)
	}
	services := fs.Args()

	fns := []cli.ProjectOptionsFn{
		// `config`'s own options (cmd/compose/config.go, toProjectOptionsFns).
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithDefaultProfiles(),
		cli.WithDiscardEnvFile,
		// The loader's (internal/projectloader/loader.go, buildProjectOptions), in its order.
		cli.WithWorkingDirectory(*projectDir),
		cli.WithOsEnv,
	}
	if _, present := os.LookupEnv("PWD"); !present {
		if pwd, err := os.Getwd(); err == nil {
			fns = append(fns, cli.WithEnv([]string{"PWD=" + pwd}))
		}
	}
	fns = append(fns,
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		// Twice, as Compose does: a project directory other than PWD may have been set meanwhile.
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(),
		cli.WithName(*name),
	)
	options, err := cli.NewProjectOptions(files, fns...)
	if err != nil {
		return err
	}
	ctx := context.Background()
	project, err := options.LoadProject(ctx)
	if err != nil {
		return err
	}
	// postProcessProject of the loader, minus Compose's own labels (they name the Compose version).
	if project.Name == "" {
		return errors.New("project name can't be empty. Use ProjectName option to set a valid name")
	}
	if project, err = project.WithServicesEnabled(services...); err != nil {
		return err
	}
	if project, err = project.WithSelectedServices(services); err != nil {
		return err
	}
	project = project.WithoutUnnecessaryResources()
	// runConfigInterpolate of cmd/compose/config.go.
	if project, err = project.WithServicesEnvironmentResolved(true); err != nil {
		return err
	}
	if err = project.CheckContainerNameUnicity(); err != nil {
		return err
	}
	var content []byte
	if *format == "json" {
		content, err = project.MarshalJSON()
	} else {
		content, err = project.MarshalYAML()
	}
	if err != nil {
		return err
	}
	if *quiet {
		return nil
	}
	// Compose escapes `$` again so that its output is itself a valid compose file.
	_, err = os.Stdout.Write(bytes.ReplaceAll(content, []byte{'$'}, []byte{'$', '$'}))
	return err
}
