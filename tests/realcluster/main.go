// Command realcluster runs one piece of a throwaway Kubernetes control plane
// for Splitboard's tests: `realcluster etcd ...`, `realcluster kube-apiserver ...`
// or `realcluster kube-controller-manager ...`. Each piece is its own process
// because the upstream commands share global flags and process-wide state.
package main

import (
	"fmt"
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as the upstream commands register them
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

const usage = "usage: realcluster etcd|kube-apiserver|kube-controller-manager [flags]"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	piece, args := os.Args[1], os.Args[2:]
	switch piece {
	case "etcd":
		// etcdmain reads its flags from the slice it is given, program name first.
		etcdmain.Main(append([]string{"etcd"}, args...))
	case "kube-apiserver":
		command := apiserver.NewAPIServerCommand()
		command.SetArgs(args)
		os.Exit(cli.Run(command))
	case "kube-controller-manager":
		command := controllermanager.NewControllerManagerCommand()
		command.SetArgs(args)
		os.Exit(cli.Run(command))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}
