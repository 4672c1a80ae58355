"""What the Streamlit app draws: data loading, filters, figures, exports, URL state, texts."""
