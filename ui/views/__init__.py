"""The pages of the expert UI, one module each; Streamlit runs each file as a script (``render()``).

Not named ``pages/``: Streamlit would take such a folder beside the entry script for the older
multi-page mode and run a page file without the entry script (no login, no navigation)."""
