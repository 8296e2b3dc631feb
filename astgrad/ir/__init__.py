"""The intermediate representation the passes share: gast trees, their walkers and builders
(trees.py), every annotation the passes put on nodes (annotations.py), conversion to and from the
standard library's ast (convert.py), fresh names (names.py), and rendering and compiling generated
code (codegen.py, source_text.py)."""
