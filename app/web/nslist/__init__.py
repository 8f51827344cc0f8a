"""The namespace list (`/`) at the size of a real cluster.

With a thousand namespaces the list used to count every namespace, render every row and send 400 KB
for each view, and its stream sent the whole list again for each change. Here each namespace is counted
and its row rendered once per change of that namespace (`listing`); a view joins the first screenful of
rows it already has, the rest arrive as the reader scrolls, the cluster's own namespaces when their
group is opened, and the filter narrows the whole list on the server (`routes`); the stream sends only
the rows that changed, each swapped by its id (`stream`).
"""
