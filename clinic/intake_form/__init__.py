"""The patient intake form: the private link, the steps, the draft, the submission."""
