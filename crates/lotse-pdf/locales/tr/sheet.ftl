# Kişiye verilen "Sosyal reçete" kâğıdı. Sade dil, kısa cümleler. Sağlık bilgisi yok:
# kâğıt kaybolabilir.
# Değişkenler: $date (biçimlendirilmiş), $practice (yönlendiren muayenehanenin adı).
sheet-title = Sosyal reçete
sheet-code-label = Kodunuz
sheet-issued = Veriliş tarihi: { $date } · { $practice }
sheet-next-heading = Bundan sonra ne olacak?
sheet-next-referred = Doktorunuz sizi aşağıdaki danışma merkezine yönlendirdi. Orada yakınınızdaki etkinlikleri, grupları ve danışmanlık hizmetlerini bulmanıza yardımcı olurlar.
sheet-next-contact = Danışma merkezi önümüzdeki birkaç gün içinde sizinle iletişime geçecek. İki hafta içinde onlardan haber alamazsanız lütfen onları siz arayın.
sheet-next-self = Doktorunuz size aşağıdaki danışma merkezini öneriyor. Lütfen onlarla kendiniz iletişime geçin: Orada yakınınızdaki etkinlikleri, grupları ve danışmanlık hizmetlerini bulmanıza yardımcı olurlar.
sheet-next-bring = İlk görüşmeye bu kâğıdı veya kodunuzu getirin. Kodu telefonda da söyleyebilirsiniz.
sheet-contact-heading = Danışma merkeziniz
sheet-phone = Telefon
sheet-hours = Çalışma saatleri
sheet-privacy = Bu kâğıtta sağlık bilgisi yoktur. Kaybederseniz doktorunuzdan yenisini isteyin.
# Kişinin eylem planı (kendi sözleriyle; plan kişiye aittir).
plan-title = Planım
plan-written = { $date } tarihinde { $worker } ile kararlaştırıldı, { $facility } (sürüm { $version })
plan-goals = Benim için önemli olan
plan-milestones = Sonraki adımlarım
plan-step = Adım
plan-by = Tarih
plan-obstacles = Neler zorlaştırabilir – ve ne yardımcı olur
plan-review = { $date } tarihinde bunu tekrar konuşacağız.
plan-privacy = Bu plan size aittir. İyi saklayın; kişisel hedeflerinizi içerir.
# The consents the person gave (read to them before; printed for them to keep). $version: the
# version of the consent texts.
sheet-consent-heading = Onaylarınız
sheet-consent-transfer = Muayenehanemi, adımı, doğum tarihimi, telefon numaramı ve bu reçetenin nedenini danışma merkezine iletmesi ölçüsünde sır saklama yükümlülüğünden muaf tutuyorum.
sheet-consent-care = Bir danışmanın beni aramasını ve bana uygun etkinlikleri bulmamda eşlik etmesini kabul ediyorum.
sheet-consent-research = Bilgilerimin adım olmadan programın değerlendirilmesi için kullanılmasını kabul ediyorum.
sheet-consent-version = Sürüm { $version }. Her onayınızı istediğiniz zaman geri alabilirsiniz: muayenehanenizde veya danışma merkezinizde.
