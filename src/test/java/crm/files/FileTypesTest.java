package crm.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Types decided from bytes alone (Tika's magic and the container checks), on real sample files made in the test. */
class FileTypesTest {

  @Test
  void every_accepted_type_is_recognised_from_its_bytes() {
    assertThat(detect(Samples.jpeg())).isEqualTo(FileType.JPG);
    assertThat(detect(Samples.png())).isEqualTo(FileType.PNG);
    assertThat(detect(Samples.gif())).isEqualTo(FileType.GIF);
    assertThat(detect(Samples.webp())).isEqualTo(FileType.WEBP);
    assertThat(detect(Samples.pdf())).isEqualTo(FileType.PDF);
    assertThat(detect(Samples.doc())).isEqualTo(FileType.DOC);
    assertThat(detect(Samples.docx())).isEqualTo(FileType.DOCX);
    assertThat(detect(Samples.text())).isEqualTo(FileType.TXT);
    assertThat(detect(Samples.ogg())).isEqualTo(FileType.OGG);
    assertThat(detect(Samples.mp3())).isEqualTo(FileType.MP3);
    assertThat(detect(Samples.mpegFrames(30))).as("frame sync without a tag").isEqualTo(FileType.MP3);
    assertThat(detect(Samples.m4a())).isEqualTo(FileType.M4A);
  }

  @Test
  void a_docx_with_its_content_types_last_is_told_by_word_document_xml_in_its_first_bytes() {
    byte[] file = Samples.docxContentTypesLast();
    assertThat(file.length).isGreaterThan(FileTypes.HEAD_BYTES);
    assertThat(FileTypes.detect(Arrays.copyOf(file, FileTypes.HEAD_BYTES), false)).isEqualTo(FileType.DOCX);
    assertThat(FileTypes.detect(file, true)).isEqualTo(FileType.DOCX);
  }

  @Test
  void executables_are_refused_whatever_they_claim() {
    assertThat(refusal(Samples.windowsExe()).getMessage()).contains("executable").contains("application/x-msdownload");
    assertThat(refusal(Samples.elf()).getMessage()).contains("executable");
    assertThat(refusal("#!/bin/sh\nrm -rf /\n".getBytes(StandardCharsets.US_ASCII)).getMessage()).contains("executable");
  }

  @Test
  void other_types_and_lookalikes_are_refused() {
    assertThat(detail(Samples.random(5000, 1))).isEqualTo("application/octet-stream");
    assertThat(detail(Samples.xls())).as("OLE2 without WordDocument").isEqualTo("application/x-tika-msoffice");
    assertThat(detail(Samples.xlsx())).as("OOXML of a spreadsheet").isEqualTo("application/x-tika-ooxml");
    assertThat(detail(Samples.plainZip())).isEqualTo("application/zip");
    assertThat(detail(Samples.oggVideo())).as("Ogg video").isEqualTo("video/theora");
    assertThat(detail("<html><body><script>alert(1)</script></body></html>".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("text/html");
    assertThat(detail("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("image/svg+xml");
    assertThat(refusal(new byte[0]).getMessage()).contains("empty");
  }

  @Test
  void a_refusal_is_VALIDATION_FAILED_on_field_file_with_what_was_detected_and_what_is_accepted() {
    CrmException e = refusal(Samples.plainZip());
    assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(e.field()).isEqualTo("file");
    JsonObject details = (JsonObject) e.details();
    assertThat(details.getString("detected")).isEqualTo("application/zip");
    assertThat(details.getJsonArray("accepted").getList()).containsExactlyElementsOf(FileType.formats());
  }

  @Test
  void an_office_file_whose_directory_is_past_the_head_cannot_be_told_and_is_refused() {
    byte[] file = Samples.ole2("WordDocument", 118); // directory at sector 127: bytes 65536..66047
    assertThat(Containers.isWordDocument(file, true)).isTrue();
    byte[] head = Arrays.copyOf(file, FileTypes.HEAD_BYTES);
    assertThat(Containers.isWordDocument(head, false)).isNull();
    assertThatThrownBy(() -> FileTypes.detect(head, false)).isInstanceOf(CrmException.class)
        .hasMessageContaining("cannot be told");
  }

  @Test
  void a_text_file_must_stay_text_after_its_head() {
    byte[] head = Samples.text();
    var check = FileTypes.tailCheck(FileType.TXT, head);
    assertThat(check.apply(Buffer.buffer("más texto\n"))).isNull();
    assertThat(check.apply(Buffer.buffer(new byte[] {'a', 0, 'b'}))).isInstanceOf(CrmException.class);
    byte[] utf16 = Samples.concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, "hola".getBytes(StandardCharsets.UTF_16LE));
    assertThat(FileTypes.tailCheck(FileType.TXT, utf16)).as("UTF-16 holds NULs").isNull();
    assertThat(FileTypes.tailCheck(FileType.PNG, Samples.png())).isNull();
  }

  @Test
  void the_name_gets_the_extension_of_what_the_file_is() {
    assertThat(FileType.PNG.filenameFor("photo.jpg")).isEqualTo("photo.png");
    assertThat(FileType.JPG.filenameFor("photo.JPEG")).isEqualTo("photo.JPEG");
    assertThat(FileType.PDF.filenameFor("scan")).isEqualTo("scan.pdf");
    assertThat(FileType.MP3.filenameFor("nota.de.voz")).isEqualTo("nota.de.voz.mp3");
    assertThat(FileType.OGG.filenameFor("voice.opus")).isEqualTo("voice.opus");
    assertThat(FileType.TXT.filenameFor("")).isEqualTo("file.txt");
  }

  private static FileType detect(byte[] file) {
    return FileTypes.detect(file.length > FileTypes.HEAD_BYTES ? Arrays.copyOf(file, FileTypes.HEAD_BYTES) : file,
        file.length <= FileTypes.HEAD_BYTES);
  }

  private static CrmException refusal(byte[] file) {
    CrmException[] caught = new CrmException[1];
    assertThatThrownBy(() -> detect(file)).isInstanceOfSatisfying(CrmException.class, e -> caught[0] = e);
    return caught[0];
  }

  private static String detail(byte[] file) {
    return ((JsonObject) refusal(file).details()).getString("detected");
  }
}
