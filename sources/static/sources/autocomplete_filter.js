'use strict';
// A list filter's autocomplete (sources/admin.py, SourceListFilter) applies a source as soon as
// it is chosen, and clearing it shows the whole list again: an empty choice is left out of the
// query rather than sent as an empty id, which the list would refuse.
window.addEventListener('load', function() {
    django.jQuery('form.autocomplete-filter select').on('change', function() {
        if (!this.value) {
            this.disabled = true;
        }
        this.form.submit();
    });
});
