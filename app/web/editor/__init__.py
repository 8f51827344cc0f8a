"""The traffic editor: its HTML routes (`routes`), its button presses (`actions`), its JSON API (`api`),
its rendering (`views`), its dealings with the cluster (`applying`), and the door other pages embed it
through (`embedding`). Its view models live in app.model.editor_view, its templates in templates/editor.
"""
