"""The simulated cluster's storage: the object store (etcd and the generic registry), the resource
registry, watches, selectors, patches and the API errors the store raises."""
