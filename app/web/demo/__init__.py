"""The demo tools: traffic probes (`probing` runs them, `starting` plans them), the explain view and the
demo page with presenter mode (`routes`, rendered by `views`). Its view models live in
app.model.demo_view, its templates in templates/demo.
"""
